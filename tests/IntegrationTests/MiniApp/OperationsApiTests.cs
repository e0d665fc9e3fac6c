using System.Net;
using System.Net.Http.Json;
using Dapper;
using SchoolSafety.Core.Notifications;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.MiniApp;

[Collection(DatabaseCollection.Name)]
public sealed class OperationsApiTests(MiniAppHost host) : IClassFixture<MiniAppHost>
{
    [Fact]
    public async Task DingTalkUsage_ForTheAdmin_ShowsTheMonthByApi_OthersAre403()
    {
        var month = (host.Clock.GetUtcNow() + TimeSpan.FromHours(8)).ToString("yyyy-MM");
        await using (var conn = await host.Db.DataSource.OpenConnectionAsync())
            await conn.ExecuteAsync("""
                INSERT INTO dingtalk_usage (month, api, calls) VALUES (@month, 'robot.oToMessages.batchSend', 7)
                ON DUPLICATE KEY UPDATE calls = 7
                """, new { month });
        var admin = await host.ClientForAsync("demo-edu-admin");

        var r = await admin.GetAsync("/api/admin/dingtalk-usage");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var json = await MiniAppHost.JsonAsync(r);
        Assert.Equal(month, json.GetProperty("month").GetString());
        Assert.Equal(5000, json.GetProperty("budget").GetInt64());
        Assert.Equal(80, json.GetProperty("warnPercent").GetInt32());
        Assert.Contains(json.GetProperty("byApi").EnumerateArray(), a => a.GetProperty("api").GetString() == "robot.oToMessages.batchSend" && a.GetProperty("calls").GetInt64() == 7);

        await MiniAppHost.AssertProblemAsync(await admin.GetAsync("/api/admin/dingtalk-usage?month=2026-13"), HttpStatusCode.BadRequest, "usage.month_invalid");
        var officer = await host.ClientForAsync("demo-school01-officer");
        await MiniAppHost.AssertProblemAsync(await officer.GetAsync("/api/admin/dingtalk-usage"), HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task TodoReach_TheAdminSeesWhoHasNoUnionId_OthersMayNot()
    {
        var officer = await host.ScalarAsync<long>("SELECT id FROM users WHERE dingtalk_user_id = 'demo-school01-officer'");
        await host.ScalarAsync<long>("UPDATE users SET union_id = NULL WHERE id = @officer; SELECT 1", new { officer });
        try
        {
            var admin = await host.ClientForAsync("demo-edu-admin");
            var r = await admin.GetAsync("/api/admin/todos/reach");
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            var json = await MiniAppHost.JsonAsync(r);
            // Other tests' hand-made people have no unionId either: the officer is listed, and nobody who has one.
            var listed = json.GetProperty("withoutUnionId").EnumerateArray().Select(p => p.GetProperty("userId").GetInt64()).ToList();
            Assert.Contains(officer, listed);
            Assert.Equal(0, await host.ScalarAsync<long>("SELECT COUNT(*) FROM users WHERE union_id IS NOT NULL AND id IN @listed", new { listed }));
            Assert.Equal(0, json.GetProperty("todosMissedLast30Days").GetInt64());
            await MiniAppHost.AssertProblemAsync(await (await host.ClientForAsync("demo-school01-officer")).GetAsync("/api/admin/todos/reach"),
                HttpStatusCode.Forbidden, "forbidden");
        }
        finally
        {
            await host.ScalarAsync<long>("UPDATE users SET union_id = 'union-demo-school01-officer' WHERE id = @officer; SELECT 1", new { officer });
        }
    }

    [Fact]
    public async Task DistrictChat_SetByTheAdmin_ThenSendNow_QueuesItsDigest()
    {
        var admin = await host.ClientForAsync("demo-edu-admin");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsJsonAsync("/api/admin/digests/district-chat", new { openConversationId = "cid-task-force" })).StatusCode);
        var chat = await MiniAppHost.JsonAsync(await admin.GetAsync("/api/admin/digests/district-chat"));
        Assert.Equal("cid-task-force", chat.GetProperty("openConversationId").GetString());

        var before = await host.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE topic = @t", new { t = OutboxTopics.Digest });
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync("/api/admin/digests/cid-task-force/send-now", null)).StatusCode);
        Assert.Equal(before + 1, await host.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE topic = @t", new { t = OutboxTopics.Digest }));
        await MiniAppHost.AssertProblemAsync(await admin.PostAsync("/api/admin/digests/no-such-chat/send-now", null), HttpStatusCode.NotFound, "digest.chat_unknown");
    }

    [Fact]
    public async Task GuidanceWindows_DefaultsThenEditedByTheAdmin_BadDatesAre400()
    {
        var admin = await host.ClientForAsync("demo-edu-admin");
        var defaults = await MiniAppHost.JsonAsync(await admin.GetAsync("/api/admin/guidance-windows/2031"));
        Assert.Equal(4, defaults.GetArrayLength());
        Assert.Equal("2031-09-01", defaults[3].GetProperty("startsOn").GetString());

        var put = await admin.PutAsJsonAsync("/api/admin/guidance-windows/2031", new { windows = new[] { new { name = "春季开学", startsOn = "2031-02-24", endsOn = "2031-03-09" } } });
        Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        var edited = await MiniAppHost.JsonAsync(await admin.GetAsync("/api/admin/guidance-windows/2031"));
        Assert.Equal(1, edited.GetArrayLength());
        Assert.Equal("2031-02-24", edited[0].GetProperty("startsOn").GetString());

        var bad = await admin.PutAsJsonAsync("/api/admin/guidance-windows/2031", new { windows = new[] { new { name = "错", startsOn = "2031-03-09", endsOn = "2031-02-24" } } });
        await MiniAppHost.AssertProblemAsync(bad, HttpStatusCode.BadRequest, "guidance.window_dates");
    }
}
