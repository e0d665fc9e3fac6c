using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using SchoolSafety.Core.Photos;
using SchoolSafety.Core.Tests.Photos;
using SchoolSafety.IntegrationTests.Infrastructure;
using SkiaSharp;

namespace SchoolSafety.IntegrationTests.MiniApp;

[Collection(DatabaseCollection.Name)]
public sealed class CluesApiTests(MiniAppHost host) : IClassFixture<MiniAppHost>
{
    private static MultipartFormDataContent Form(int item = 4, string description = "校门口有无证摊贩占道经营", string? schoolId = null,
        params (string Name, byte[] Bytes)[] photos)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(item.ToString()), "itemNo" },
            { new StringContent(description), "description" },
            { new StringContent(Guid.NewGuid().ToString()), "idempotencyKey" },
            { new StringContent("校门东侧 20 米"), "location" },
        };
        if (schoolId is not null) form.Add(new StringContent(schoolId), "schoolId");
        foreach (var (name, bytes) in photos)
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            form.Add(content, "photos", name);
        }
        return form;
    }

    private async Task<long> CountAsync(string table)
    {
        await using var conn = await host.Db.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}");
    }

    private int StoredFiles() => Directory.Exists(host.PhotoFolder) ? Directory.GetFiles(host.PhotoFolder, "*", SearchOption.AllDirectories).Length : 0;

    private async Task<JsonElement> ReportAsync(HttpClient client, int item = 4, params (string, byte[])[] photos)
    {
        var r = await client.PostAsync("/api/clues", Form(item, photos: photos));
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        return await MiniAppHost.JsonAsync(r);
    }

    [Fact]
    public async Task Report_WithPhoto_IsCreated_AndTheStoredPhotoCarriesNoExifLocation()
    {
        var officer = await host.ClientForAsync("demo-school01-officer");
        var created = await ReportAsync(officer, 4, ("gate.jpg", TestImages.JpegWithExif(400, 300)));
        Assert.Matches(@"^XA\d{8}-\d{4}$", created.GetProperty("number").GetString());
        Assert.Contains("线索已上报", created.GetProperty("message").GetString());

        var detail = await MiniAppHost.JsonAsync(await officer.GetAsync($"/api/clues/{created.GetProperty("id").GetInt64()}"));
        Assert.Equal("待签收", detail.GetProperty("stateZh").GetString());
        var link = detail.GetProperty("photos")[0].GetProperty("full").GetString()!;
        var photo = await host.Anonymous().GetAsync(link);
        Assert.Equal(HttpStatusCode.OK, photo.StatusCode);
        var bytes = await photo.Content.ReadAsByteArrayAsync();
        Assert.Equal((byte)0xFF, bytes[0]);
        Assert.False(TestImages.Contains(bytes, Encoding.UTF8.GetBytes(TestImages.GpsMarker)));
        Assert.False(TestImages.Contains(bytes, "Exif\0\0"u8.ToArray()));
    }

    [Fact]
    public async Task Report_WithIPhoneHeic_IsStoredAsJpeg_WithoutItsLocation_AndHasAThumbnail()
    {
        var officer = await host.ClientForAsync("demo-school01-officer");
        var created = await ReportAsync(officer, 4, ("IMG_0001.HEIC", TestImages.HeicWithGps()));

        var detail = await MiniAppHost.JsonAsync(await officer.GetAsync($"/api/clues/{created.GetProperty("id").GetInt64()}"));
        var links = detail.GetProperty("photos")[0];
        var full = await host.Anonymous().GetAsync(links.GetProperty("full").GetString()!);
        Assert.Equal("image/jpeg", full.Content.Headers.ContentType!.MediaType);
        var bytes = await full.Content.ReadAsByteArrayAsync();
        Assert.Equal(PhotoFormat.Jpeg, PhotoProcessor.Sniff(bytes));
        Assert.False(TestImages.Contains(bytes, Encoding.UTF8.GetBytes(TestImages.HeicGpsMarker)));
        var thumb = await host.Anonymous().GetAsync(links.GetProperty("thumbnail").GetString()!);
        Assert.Equal(HttpStatusCode.OK, thumb.StatusCode);
        Assert.Equal("image/jpeg", thumb.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task PhotoLink_Expired_OrTampered_IsRefused()
    {
        var officer = await host.ClientForAsync("demo-school01-officer");
        var created = await ReportAsync(officer, 4, ("a.jpg", TestImages.Encode(64, 64, SKEncodedImageFormat.Jpeg)));
        var detail = await MiniAppHost.JsonAsync(await officer.GetAsync($"/api/clues/{created.GetProperty("id").GetInt64()}"));
        var link = detail.GetProperty("photos")[0].GetProperty("thumbnail").GetString()!;
        var anonymous = host.Anonymous();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(link)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.GetAsync(link.Replace("v=thumb", "v=full"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.GetAsync(link[..^4] + "0000")).StatusCode);

        host.Clock.Now += TimeSpan.FromMinutes(11);
        try
        {
            var expired = await anonymous.GetAsync(link);
            Assert.Equal(HttpStatusCode.Gone, expired.StatusCode);
            Assert.Equal("photo.link_expired", (await MiniAppHost.JsonAsync(expired)).GetProperty("code").GetString());
        }
        finally
        {
            host.Clock.Now -= TimeSpan.FromMinutes(11);
        }
    }

    public static TheoryData<string, string> BadReports() => new()
    {
        { "eleven-mb", "photo.too_large" },
        { "text-named-jpg", "photo.not_image" },
        { "ten-photos", "photo.too_many" },
        { "empty-description", "clue.description_required" },
        { "unknown-item", "clue.item_unknown" },
        { "forged-school", "clue.school_not_yours" },
        { "repeated-field", "request.field_repeated" },
        { "huge-field", "request.field_too_long" },
        { "cut-short", "request.malformed" },
    };

    [Theory]
    [MemberData(nameof(BadReports))]
    public async Task Report_BadInput_IsAClear4xx_AndStoresNothing(string kind, string code)
    {
        var officer = await host.ClientForAsync("demo-school01-officer");
        var small = TestImages.Encode(32, 32, SKEncodedImageFormat.Jpeg);
        await using var conn = await host.Db.DataSource.OpenConnectionAsync();
        var otherSchool = await conn.ExecuteScalarAsync<long>("SELECT id FROM schools WHERE name LIKE '%五常第二小学'");
        HttpContent form = kind switch
        {
            "eleven-mb" => Form(photos: ("big.jpg", ElevenMegabyteJpeg())),
            "text-named-jpg" => Form(photos: ("photo.jpg", Encoding.UTF8.GetBytes("this is not a photo"))),
            "ten-photos" => Form(photos: Enumerable.Range(1, 10).Select(i => ($"p{i}.jpg", small)).ToArray()),
            "empty-description" => Form(description: "   "),
            "unknown-item" => Form(item: 99),
            "repeated-field" => With(Form(photos: ("a.jpg", small)), "itemNo", "16"),
            "huge-field" => With(Form(photos: ("a.jpg", small)), "note", new string('注', 30_000)),
            "cut-short" => CutShort(Form(photos: ("a.jpg", small))),
            _ => Form(schoolId: otherSchool.ToString()),
        };
        var clues = await CountAsync("clues");
        var files = StoredFiles();

        var r = await officer.PostAsync("/api/clues", form);

        Assert.True(r.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Forbidden, $"{kind}: {r.StatusCode}");
        var problem = await MiniAppHost.JsonAsync(r);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", problem.GetProperty("title").GetString());
        Assert.Equal(clues, await CountAsync("clues"));
        Assert.Equal(files, StoredFiles());
    }

    private static HttpContent With(MultipartFormDataContent form, string name, string value)
    {
        form.Add(new StringContent(value), name);
        return form;
    }

    /// <summary>The form's bytes without the closing boundary, as a client that lost its connection would send.</summary>
    private static HttpContent CutShort(MultipartFormDataContent form)
    {
        var bytes = form.ReadAsByteArrayAsync().GetAwaiter().GetResult();
        var cut = new ByteArrayContent(bytes[..(bytes.Length - 40)]);
        cut.Headers.ContentType = form.Headers.ContentType;
        return cut;
    }

    private static byte[] ElevenMegabyteJpeg()
    {
        var bytes = new byte[11 * 1024 * 1024];
        bytes[0] = 0xFF; bytes[1] = 0xD8; bytes[2] = 0xFF;
        return bytes;
    }

    [Fact]
    public async Task Report_ScriptInDescription_IsStoredAsText_AndNeverServedAsMarkup()
    {
        var officer = await host.ClientForAsync("demo-school01-officer");
        const string text = "<script>alert('x')</script> 校门口积水";
        var r = await officer.PostAsync("/api/clues", Form(description: text));
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var id = (await MiniAppHost.JsonAsync(r)).GetProperty("id").GetInt64();
        var detail = await officer.GetAsync($"/api/clues/{id}");
        Assert.Equal("application/json", detail.Content.Headers.ContentType!.MediaType);
        Assert.DoesNotContain("<script>", await detail.Content.ReadAsStringAsync());   // JSON escapes it
        Assert.Equal(text, (await MiniAppHost.JsonAsync(detail)).GetProperty("description").GetString());
    }

    [Fact]
    public async Task AccessMatrix_SchoolsSeeOnlyTheirOwn_DepartmentsOnlyTheirLine_ReportersCannotHandle()
    {
        var officer1 = await host.ClientForAsync("demo-school01-officer");
        var officer2 = await host.ClientForAsync("demo-school02-officer");
        var police = await ReportAsync(officer1, 4);      // POL
        var food = await ReportAsync(officer1, 16);       // MKT
        var policeId = police.GetProperty("id").GetInt64();
        var foodId = food.GetProperty("id").GetInt64();

        // Another school's staff: not in their lists, and the detail is "not found" (existence is not revealed).
        var list2 = await MiniAppHost.JsonAsync(await officer2.GetAsync("/api/clues?pageSize=100"));
        Assert.DoesNotContain(list2.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetInt64() == policeId);
        Assert.Equal(HttpStatusCode.NotFound, (await officer2.GetAsync($"/api/clues/{policeId}")).StatusCode);

        // A district department sees its line only: the police liaison sees the police clue, not the food one.
        var polLiaison = await host.ClientForAsync("demo-POL-liaison");
        var polList = await MiniAppHost.JsonAsync(await polLiaison.GetAsync("/api/clues?pageSize=100"));
        var ids = polList.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()).ToList();
        Assert.Contains(policeId, ids);
        Assert.DoesNotContain(foodId, ids);
        Assert.All(polList.GetProperty("items").EnumerateArray(), i => Assert.Contains(i.GetProperty("itemNo").GetInt32(), new[] { 4, 5 }));   // the police line's items
        Assert.Equal(HttpStatusCode.NotFound, (await polLiaison.GetAsync($"/api/clues/{foodId}")).StatusCode);

        // The reporter cannot act as a handler.
        var accept = await officer1.PostAsJsonAsync($"/api/clues/{policeId}/actions", new { action = "accept", version = 1, idempotencyKey = Guid.NewGuid() });
        Assert.Equal(HttpStatusCode.Forbidden, accept.StatusCode);
        Assert.Equal("无权操作", (await MiniAppHost.JsonAsync(accept)).GetProperty("title").GetString());

        // The admin sees everything.
        var admin = await host.ClientForAsync("demo-edu-admin");
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/clues/{foodId}")).StatusCode);
    }

    [Fact]
    public async Task Actions_ThroughTheApi_ApplyConflictAndRepeat()
    {
        var officer = await host.ClientForAsync("demo-school01-officer");
        var id = (await ReportAsync(officer, 4)).GetProperty("id").GetInt64();
        await using var conn = await host.Db.DataSource.OpenConnectionAsync();
        var member = await conn.ExecuteScalarAsync<string>("""
            SELECT u.dingtalk_user_id FROM work_group_members m JOIN work_groups g ON g.id = m.work_group_id JOIN users u ON u.id = m.user_id
             WHERE g.open_conversation_id = 'demo-cid-school01' AND m.line_code = 'POL'
            """);
        var handler = await host.ClientForAsync(member!);

        var detail = await MiniAppHost.JsonAsync(await handler.GetAsync($"/api/clues/{id}"));
        Assert.Contains(detail.GetProperty("actions").EnumerateArray(), a => a.GetProperty("action").GetString() == "Accept");

        var key = Guid.NewGuid();
        var accepted = await handler.PostAsJsonAsync($"/api/clues/{id}/actions", new { action = "accept", version = 1, idempotencyKey = key });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var body = await MiniAppHost.JsonAsync(accepted);
        Assert.Equal(("处置中", 2, false), (body.GetProperty("stateZh").GetString(), body.GetProperty("version").GetInt32(), body.GetProperty("repeat").GetBoolean()));

        var repeat = await MiniAppHost.JsonAsync(await handler.PostAsJsonAsync($"/api/clues/{id}/actions", new { action = "accept", version = 1, idempotencyKey = key }));
        Assert.True(repeat.GetProperty("repeat").GetBoolean());

        var stale = await handler.PostAsJsonAsync($"/api/clues/{id}/actions", new { action = "resolve", version = 1, idempotencyKey = Guid.NewGuid(), note = "x" });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        var conflict = await MiniAppHost.JsonAsync(stale);
        Assert.Equal("clue.conflict", conflict.GetProperty("code").GetString());
        Assert.Equal("处置中", conflict.GetProperty("stateZh").GetString());

        var noNote = await handler.PostAsJsonAsync($"/api/clues/{id}/actions", new { action = "resolve", version = 2, idempotencyKey = Guid.NewGuid() });
        Assert.Equal(HttpStatusCode.BadRequest, noNote.StatusCode);
        Assert.Equal("请填写办结情况说明", (await MiniAppHost.JsonAsync(noNote)).GetProperty("title").GetString());

        var unknown = await handler.PostAsJsonAsync($"/api/clues/{id}/actions", new { action = "explode", version = 2, idempotencyKey = Guid.NewGuid() });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    [Fact]
    public async Task EveryRead_LeavesAnAuditRow_TheAdminCanSearch()
    {
        var officer = await host.ClientForAsync("demo-school01-officer");
        var id = (await ReportAsync(officer, 4, ("a.jpg", TestImages.Encode(48, 48, SKEncodedImageFormat.Jpeg)))).GetProperty("id").GetInt64();
        await officer.GetAsync($"/api/clues/{id}");
        await officer.GetAsync($"/api/clues/{id}");

        await using var conn = await host.Db.DataSource.OpenConnectionAsync();
        Assert.Equal(2, await conn.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE action = 'ClueRead' AND subject_id = @id", new { id = id.ToString() }));
        Assert.Equal(2, await conn.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE action = 'PhotoLink' AND detail = (SELECT number FROM clues WHERE id = @id)", new { id }));

        Assert.Equal(HttpStatusCode.Forbidden, (await officer.GetAsync("/api/audit")).StatusCode);
        var admin = await host.ClientForAsync("demo-edu-admin");
        var rows = await MiniAppHost.JsonAsync(await admin.GetAsync($"/api/audit?action=ClueRead&subjectType=clue&subjectId={id}"));
        Assert.Equal(2, rows.GetArrayLength());
    }

    [Fact]
    public async Task List_FiltersByScopeStateItemAndPages()
    {
        var officer = await host.ClientForAsync("demo-school03-officer");
        for (var i = 0; i < 3; i++) await ReportAsync(officer, 17);
        var page = await MiniAppHost.JsonAsync(await officer.GetAsync("/api/clues?scope=mine&item=17&state=PendingAcceptance&page=1&pageSize=2"));
        Assert.Equal(2, page.GetProperty("items").GetArrayLength());
        Assert.True(page.GetProperty("total").GetInt64() >= 3);
        Assert.All(page.GetProperty("items").EnumerateArray(), i => Assert.Equal("待签收", i.GetProperty("stateZh").GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, (await officer.GetAsync("/api/clues?scope=everyone")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await officer.GetAsync("/api/clues?pageSize=1000")).StatusCode);
    }
}
