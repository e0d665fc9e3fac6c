using System.Net;
using System.Net.Http.Json;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.MiniApp;

/// <summary>
/// A photo key is no bearer token: until attached a photo is its uploader's, and once attached it belongs to that clue or
/// record only. Guidance photo links are audited like a clue's.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class PhotoOwnershipTests(MiniAppHost host) : IClassFixture<MiniAppHost>
{
    private static Task<string> UploadAsync(HttpClient client) => MiniAppHost.UploadAsync(client);

    private static async Task<(long Id, int Version)> ReportAsync(HttpClient client)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent("4"), "itemNo" }, { new StringContent("校门口车辆违停"), "description" }, { new StringContent(Guid.NewGuid().ToString()), "idempotencyKey" },
        };
        var r = await client.PostAsync("/api/clues", form);
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var id = (await MiniAppHost.JsonAsync(r)).GetProperty("id").GetInt64();
        var detail = await MiniAppHost.JsonAsync(await client.GetAsync($"/api/clues/{id}"));
        return (id, detail.GetProperty("version").GetInt32());
    }

    private static Task<HttpResponseMessage> CommentAsync(HttpClient client, (long Id, int Version) clue, string photo) =>
        client.PostAsJsonAsync($"/api/clues/{clue.Id}/actions", new
        {
            action = "comment", version = clue.Version, idempotencyKey = Guid.NewGuid().ToString(), note = "补充照片", photos = new[] { photo },
        });

    [Fact]
    public async Task SomeoneElsesUpload_CannotBeAttached_AndAnAttachedPhoto_CannotBeAttachedElsewhere()
    {
        var a = await host.ClientForAsync("demo-school01-officer");
        var b = await host.ClientForAsync("demo-school02-officer");
        var clueA = await ReportAsync(a);
        var clueA2 = await ReportAsync(a);
        var clueB = await ReportAsync(b);
        var photoA = await UploadAsync(a);

        // B saw A's key somewhere: it does not become B's.
        await MiniAppHost.AssertProblemAsync(await CommentAsync(b, clueB, photoA), HttpStatusCode.BadRequest, "photo.not_yours");

        Assert.Equal(HttpStatusCode.OK, (await CommentAsync(a, clueA, photoA)).StatusCode);
        // Attached to clue A, it is clue A's: not a way onto another clue, not even for its uploader.
        await MiniAppHost.AssertProblemAsync(await CommentAsync(a, clueA2, photoA), HttpStatusCode.BadRequest, "photo.not_yours");
    }

    [Fact]
    public async Task GuidancePhotoLinks_AreAudited()
    {
        var unit = await host.ScalarAsync<long>("""
            SELECT m.unit_id FROM work_group_members m JOIN work_groups g ON g.id = m.work_group_id
             WHERE g.open_conversation_id = 'demo-cid-school01' AND m.line_code = 'POL'
            """);
        var who = await host.ScalarAsync<string>(
            "SELECT u.dingtalk_user_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.unit_id = @unit AND m.role = 'Handler' ORDER BY m.id LIMIT 1", new { unit });
        var school = await host.ScalarAsync<long>("SELECT school_id FROM work_groups WHERE open_conversation_id = 'demo-cid-school01'");
        var client = await host.ClientForAsync(who);
        var photo = await UploadAsync(client);
        var r = await client.PostAsJsonAsync("/api/guidance", new
        {
            schoolId = school, unitId = unit, kind = "Publicity", date = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)).ToString("yyyy-MM-dd"),
            summary = "交通安全宣传", attendees = "民警 2 人", photoIds = new[] { photo }, findings = Array.Empty<object>(),
        });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var id = (await MiniAppHost.JsonAsync(r)).GetProperty("id").GetInt64();
        var before = await host.ScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE action = 'PhotoLink' AND subject_id = @photo", new { photo });
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/guidance/{id}")).StatusCode);
        Assert.Equal(before + 1, await host.ScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE action = 'PhotoLink' AND subject_id = @photo", new { photo }));
    }
}
