using System.Text.Json;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Demo;
using SchoolSafety.Core.Digests;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Digests;

/// <summary>The daily digests on the real database with a test clock: each chat once a day, the skip-empty and Monday policy.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class DigestServiceTests(CoreServices core) : IClassFixture<CoreServices>, IAsyncLifetime
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private DigestService Digests => core.Get<DigestService>();

    public async Task InitializeAsync()
    {
        await core.Db.ResetAsync();
        await core.Get<DemoDistrict>().LoadAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task ReportAsync(int school)
    {
        core.Clock.SetChinaTime(2026, 11, 30, 10);
        var outcome = await core.Get<ClueService>().ReportAsync(new ReportCommand
        {
            ReporterUserId = await core.UserAsync($"demo-school{school:D2}-officer"), ItemNo = 4,
            Description = "校门口有无证摊贩占道经营", IdempotencyKey = Guid.NewGuid().ToString(),
        });
        Assert.Equal(OutcomeKind.Applied, outcome.Kind);
    }

    private async Task<List<(DigestPayload Payload, string Text)>> QueuedAsync() =>
        (await core.QueryAsync<string>("SELECT payload FROM outbox WHERE topic = @t ORDER BY id", new { t = DigestMessages.Topic }))
            .Select(p => JsonSerializer.Deserialize<DigestPayload>(p, Json)!)
            .Select(p => (p, JsonDocument.Parse(p.MsgParam).RootElement.GetProperty("text").GetString()!))
            .ToList();

    private Task<long> ChatCountAsync() => core.ScalarAsync<long>("SELECT COUNT(*) FROM work_groups WHERE open_conversation_id IS NOT NULL");

    [Fact]
    public async Task WorkingDay_ChatWithAClueGetsItsDigest_EmptyChatsNone_DistrictItsOwn_AndASecondRunNothing()
    {
        await ReportAsync(1);
        await Digests.SetDistrictChatAsync("cid-district-task-force", CancellationToken.None);
        core.Clock.SetChinaTime(2026, 12, 1, 8, 30);   // Tuesday

        var first = await Digests.RunAsync(CancellationToken.None);
        var again = await Digests.RunAsync(CancellationToken.None);

        Assert.Equal(2, first.Queued);
        Assert.Equal(await ChatCountAsync() - 1, first.Skipped);
        Assert.Equal(0, again.Queued);
        var queued = await QueuedAsync();
        Assert.Equal(2, queued.Count);
        var (school, text) = queued.Single(q => q.Payload.ChatId == "demo-cid-school01");
        Assert.Equal(DigestService.Daily, school.Kind);
        Assert.StartsWith("### 护校安园每日简报 · 余杭区五常中心小学\n2026年12月1日（星期二）\n\n- 新增线索：1 条（自上次简报以来）\n- 在办线索：1 条\n- 已超期：0 条\n- 待确认办结：0 条\n- 待回访评价：0 条\n\n[在小程序中查看本校线索](", text);
        var district = queued.Single(q => q.Payload.ChatId == "cid-district-task-force");
        Assert.Contains("- 在办线索：1 条，其中超期 0 条，挂牌督办 0 条", district.Text);
        Assert.Contains("**各镇街**\n- 五常街道：在办 1，超期 0", district.Text);
        Assert.Equal(2, await core.ScalarAsync<long>("SELECT COUNT(*) FROM digest_sends WHERE day = '2026-12-01'"));
    }

    [Fact]
    public async Task Monday_EmptyChatsGetTheWeeklyNote_Weekend_Nothing()
    {
        core.Clock.SetChinaTime(2026, 12, 5, 8, 30);   // Saturday
        Assert.True((await Digests.RunAsync(CancellationToken.None)).NotWorkingDay);

        core.Clock.SetChinaTime(2026, 12, 7, 8, 30);   // Monday
        var run = await Digests.RunAsync(CancellationToken.None);
        Assert.Equal(await ChatCountAsync(), run.Queued);
        Assert.All(await QueuedAsync(), q =>
        {
            Assert.Equal(DigestService.Weekly, q.Payload.Kind);
            Assert.Contains("本校目前没有新增、在办或超期的线索。", q.Text);
        });
        core.Clock.SetChinaTime(2026, 12, 8, 8, 30);   // Tuesday: still empty, nothing
        Assert.Equal(0, (await Digests.RunAsync(CancellationToken.None)).Queued);
    }

    [Fact]
    public async Task SendNow_SendsTodaysDigestForOneChat_AndTheScheduledRunDoesNotRepeatIt()
    {
        await ReportAsync(2);
        core.Clock.SetChinaTime(2026, 12, 1, 8, 0);
        Assert.True(await Digests.SendNowAsync("demo-cid-school02", CancellationToken.None));
        Assert.True(await Digests.SendNowAsync("demo-cid-school02", CancellationToken.None));   // "after a fix": again
        Assert.False(await Digests.SendNowAsync("no-such-chat", CancellationToken.None));
        core.Clock.SetChinaTime(2026, 12, 1, 8, 30);
        Assert.Equal(0, (await Digests.RunAsync(CancellationToken.None)).Queued);
        Assert.Equal(2, (await QueuedAsync()).Count(q => q.Payload.ChatId == "demo-cid-school02"));
    }

    [Fact]
    public async Task SchoolCounts_CountEachClueByDefinition_OpenNewClosedAndAwaitingRating()
    {
        // Seven clues at school 1, each moved to a case of the counts by hand; "since" is Monday 30 Nov 08:30.
        // (Reported on a day of their own: the clue numbers' reserved block outlives the other tests' database reset.)
        core.Clock.SetChinaTime(2026, 11, 27, 10);
        for (var i = 0; i < 7; i++)
            Assert.Equal(OutcomeKind.Applied, (await core.Get<ClueService>().ReportAsync(new ReportCommand
            {
                ReporterUserId = await core.UserAsync("demo-school01-officer"), ItemNo = 4, Description = "校门口有无证摊贩占道经营",
                IdempotencyKey = Guid.NewGuid().ToString(),
            })).Kind);
        var ids = await core.QueryAsync<long>("SELECT id FROM clues ORDER BY id");
        var since = new DateTime(2026, 11, 30, 0, 30, 0, DateTimeKind.Utc);
        var now = new DateTime(2026, 12, 1, 0, 30, 0, DateTimeKind.Utc);
        (string State, int CreatedHours, int? DueHours, string? Rating, int? RatingDueHours)[] cases =
        [
            ("InProgress", -30, -2, null, null),              // open from before, overdue
            ("PendingConfirmation", 5, 40, null, null),      // new, open, awaiting confirmation
            ("Resolved", -60, null, null, 30),               // older, awaiting its rating
            ("Resolved", 3, null, null, 50),                 // new and awaiting its rating
            ("Withdrawn", 2, null, null, null),              // new, closed
            ("Resolved", -80, null, "Satisfied", 10),        // rated
            ("Resolved", -200, null, null, -1),              // its rating time is over
        ];
        for (var i = 0; i < cases.Length; i++)
        {
            var c = cases[i];
            await core.ScalarAsync<long>("""
                UPDATE clues SET state = @State, created_at = @Created, due_at = @Due, rating = @Rating, rating_due_at = @RatingDue WHERE id = @Id;
                SELECT ROW_COUNT();
                """, new
            {
                c.State, Created = since.AddHours(c.CreatedHours), Due = c.DueHours is { } d ? now.AddHours(d) : (DateTime?)null,
                c.Rating, RatingDue = c.RatingDueHours is { } r ? now.AddHours(r) : (DateTime?)null, Id = ids[i],
            });
        }

        await using var conn = await core.Db.DataSource.OpenConnectionAsync();
        var counts = await core.Get<DigestStore>().SchoolCountsAsync(conn, since, now, CancellationToken.None);

        var school = await core.ScalarAsync<long>("SELECT school_id FROM clues LIMIT 1");
        var open = cases.Where(c => c.State is not ("Resolved" or "Withdrawn")).ToList();
        Assert.Equal(new SchoolDigestCounts
        {
            SchoolId = school,
            New = cases.Count(c => c.CreatedHours >= 0),
            Open = open.Count,
            Overdue = open.Count(c => c.DueHours < 0),
            AwaitingConfirmation = cases.Count(c => c.State == "PendingConfirmation"),
            AwaitingRating = cases.Count(c => c is { State: "Resolved", Rating: null, RatingDueHours: > 0 }),
        }, Assert.Single(counts.Values));
        Assert.Equal((3L, 2L, 1L, 1L, 2L), (counts[school].New, counts[school].Open, counts[school].Overdue, counts[school].AwaitingConfirmation, counts[school].AwaitingRating));
    }
}
