using System.Diagnostics;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.Core.DingTalk.Contracts;
using SchoolSafety.Core.Notifications;
using SchoolSafety.IntegrationTests.DingTalk;
using SchoolSafety.IntegrationTests.Infrastructure;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace SchoolSafety.IntegrationTests.Outbox;

/// <summary>Renders test topics: <c>test.group</c> → a group text, <c>test.card</c> → a card update.</summary>
public sealed class TestRenderer : IOutboxMessageRenderer
{
    public const string Group = "test.group";
    public const string Card = "test.card";
    public const string CardNew = "test.card.new";
    public const string Users = "test.users";
    public const string CardExisting = "test.card.existing";

    public sealed record GroupPayload(string Cid, string Text);
    public sealed record CardPayload(string Card, string State);
    public sealed record UsersPayload(IReadOnlyList<string> Users, string Text);
    public sealed record ExistingPayload(string Card, IReadOnlyList<string> Users, bool PrivateDataSent);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public IReadOnlyCollection<string> Topics { get; } = [Group, Card, CardNew, Users, CardExisting];

    public Task<OutboxDelivery> RenderAsync(OutboxEnvelope message, CancellationToken ct) => Task.FromResult<OutboxDelivery>(message.Topic switch
    {
        Group => JsonSerializer.Deserialize<GroupPayload>(message.Payload, Json) is { } g
            ? new OutboxDelivery.GroupMessage(g.Cid, RobotMessage.Text(g.Text))
            : throw new InvalidOperationException(),
        Card => JsonSerializer.Deserialize<CardPayload>(message.Payload, Json) is { } c
            ? new OutboxDelivery.CardRefresh(new CardUpdate(c.Card, new Dictionary<string, string> { ["state"] = c.State }))
            : throw new InvalidOperationException(),
        CardNew => JsonSerializer.Deserialize<UsersPayload>(message.Payload, Json) is { } n
            ? new OutboxDelivery.Card(new CardDelivery("tpl", $"card-{message.Id}", new Dictionary<string, string> { ["t"] = n.Text }, null, n.Users))
            : throw new InvalidOperationException(),
        CardExisting => JsonSerializer.Deserialize<ExistingPayload>(message.Payload, Json) is { } e
            ? new OutboxDelivery.Card(new CardDelivery("tpl", e.Card, new Dictionary<string, string> { ["state"] = "待督办" }, null, e.Users, null,
                e.Users.ToDictionary(u => u, u => (IReadOnlyDictionary<string, string>)new Dictionary<string, string> { ["btn_supervise"] = "true" })),
                Exists: true, e.PrivateDataSent)
            : throw new InvalidOperationException(),
        Users => JsonSerializer.Deserialize<UsersPayload>(message.Payload, Json) is { } u
            ? new OutboxDelivery.UserMessages(u.Users, RobotMessage.Text(u.Text))
            : throw new InvalidOperationException(),
        _ => throw new InvalidOperationException(message.Topic),
    });
}

[Collection(DatabaseCollection.Name)]
public sealed class OutboxDispatcherTests(TestDatabase db) : IAsyncLifetime
{
    private const string GroupPath = "/v1.0/robot/groupMessages/send";
    private const string CardPath = "/v1.0/card/instances";
    private readonly DingTalkFake _fake = new();
    private readonly OutboxStore _store = new(TimeProvider.System);
    private readonly CancellationToken _ct = CancellationToken.None;

    public async Task InitializeAsync()
    {
        await db.ResetAsync();
        // Healthy DingTalk at low priority; tests lay outages over it at priority 1 (lower number wins).
        _fake.Api.Given(Request.Create().WithPath(GroupPath).UsingPost()).AtPriority(100)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { processQueryKey = "k" }));
        _fake.Api.Given(Request.Create().WithPath(CardPath).UsingPut()).AtPriority(100)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { success = true, result = true }));
    }

    public Task DisposeAsync()
    {
        _fake.Dispose();
        return Task.CompletedTask;
    }

    private static OutboxOptions FastOptions(Action<OutboxOptions>? configure = null)
    {
        var o = new OutboxOptions
        {
            BatchSize = 20,
            Concurrency = 4,
            Lease = TimeSpan.FromSeconds(30),
            MaxAttempts = 50,
            BaseBackoff = TimeSpan.FromMilliseconds(40),
            MaxBackoff = TimeSpan.FromMilliseconds(200),
            DeadAfter = TimeSpan.Zero,   // these tests bury a row by its attempts alone (the 72-hour rule: OutboxOutageTests)
        };
        configure?.Invoke(o);
        return o;
    }

    private OutboxDispatcher Dispatcher(OutboxOptions options, IDingTalkClient? client = null) =>
        new(db.DataSource, _store, new TestRenderer(), client ?? _fake.CreateClient(), Options.Create(options),
            TimeProvider.System, NullLogger<OutboxDispatcher>.Instance);

    private async Task EnqueueAsync(IEnumerable<OutboxMessage> messages)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await _store.EnqueueAsync(conn, tx, messages.ToList(), _ct);
        await tx.CommitAsync();
    }

    private static IEnumerable<OutboxMessage> GroupMessages(int count) =>
        Enumerable.Range(1, count).Select(i => new OutboxMessage(TestRenderer.Group, null, new TestRenderer.GroupPayload("cid-1", $"msg-{i:D3}")));

    private async Task<OutboxCounts> CountsAsync()
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        return await _store.CountAsync(conn, _ct);
    }

    /// <summary>Drains until nothing is pending (or the time limit), sleeping briefly between runs so backoffs come due.</summary>
    private async Task DrainUntilEmptyAsync(OutboxDispatcher dispatcher, TimeSpan limit, Func<OutboxCounts, bool>? done = null)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < limit)
        {
            await dispatcher.DrainAsync(TimeSpan.FromSeconds(5), _ct);
            var counts = await CountsAsync();
            if (done?.Invoke(counts) ?? counts.Pending == 0) return;
            await Task.Delay(20);
        }
        Assert.Fail($"outbox not drained in {limit}: {await CountsAsync()}");
    }

    /// <summary>The texts of group messages DingTalk answered with 200, in arrival order.</summary>
    private List<string> DeliveredTexts() =>
        _fake.Calls(_fake.Api, GroupPath)
            .Where(e => DingTalkFake.Status(e) == 200)
            .Select(e => JsonDocument.Parse(DingTalkFake.Body(e).GetProperty("msgParam").GetString()!).RootElement.GetProperty("content").GetString()!)
            .ToList();

    [Fact]
    public async Task Drain_DingTalk500ForAWhile_EveryMessageDeliveredExactlyOnce()
    {
        var outage = Guid.NewGuid();
        _fake.Api.Given(Request.Create().WithPath(GroupPath).UsingPost()).WithGuid(outage).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(500).WithBodyAsJson(new { code = "system.busy", message = "busy", requestid = "r" }));
        await EnqueueAsync(GroupMessages(40));
        var dispatcher = Dispatcher(FastOptions());

        var outageWatch = Stopwatch.StartNew();
        while (outageWatch.Elapsed < TimeSpan.FromSeconds(1.5))
        {
            await dispatcher.DrainAsync(TimeSpan.FromSeconds(1), _ct);
            await Task.Delay(20);
        }
        var failedCalls = _fake.Calls(_fake.Api, GroupPath).Count;
        _fake.Api.DeleteMapping(outage);
        await DrainUntilEmptyAsync(dispatcher, TimeSpan.FromSeconds(30));

        Assert.True(failedCalls >= 80, $"only {failedCalls} calls during the outage: every message should have failed more than once");
        var delivered = DeliveredTexts();
        Assert.Equal(40, delivered.Count);
        Assert.Equal(GroupMessages(40).Select(m => ((TestRenderer.GroupPayload)m.Payload).Text).ToList(), delivered.Order().ToList());
        var counts = await CountsAsync();
        Assert.Equal(new OutboxCounts { Pending = 0, Sent = 40, Dead = 0 }, counts);
    }

    [Fact]
    public async Task Drain_TwoDispatchersAtOnce_NoMessageSentTwice()
    {
        // 20 ms a send: one dispatcher alone needs over a second for 300 messages, so both are surely at work together.
        _fake.Api.Given(Request.Create().WithPath(GroupPath).UsingPost()).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(200).WithDelay(20).WithBodyAsJson(new { processQueryKey = "k" }));
        await EnqueueAsync(GroupMessages(300));
        var options = FastOptions(o => { o.BatchSize = 10; o.Concurrency = 4; });
        var a = Dispatcher(options);
        var b = Dispatcher(options);

        var reports = await Task.WhenAll(a.DrainAsync(TimeSpan.FromSeconds(60), _ct), b.DrainAsync(TimeSpan.FromSeconds(60), _ct));

        var delivered = DeliveredTexts();
        Assert.Equal(300, delivered.Count);
        Assert.Equal(300, delivered.Distinct().Count());
        Assert.Equal(300, reports[0].Sent + reports[1].Sent);
        Assert.True(reports[0].Sent > 0 && reports[1].Sent > 0, $"both dispatchers should have worked: {reports[0].Sent} / {reports[1].Sent}");
        Assert.Equal(0, reports[0].LeasesLost + reports[1].LeasesLost);
        Assert.Equal(300, (await CountsAsync()).Sent);
    }

    [Fact]
    public async Task Drain_200Messages_ObservedRateNeverExceedsLimit()
    {
        const int limit = 50;
        await EnqueueAsync(GroupMessages(200));
        var client = _fake.CreateClient(_fake.Options(o => o.CallsPerSecondPerApi = limit));
        var dispatcher = Dispatcher(FastOptions(o => { o.BatchSize = 50; o.Concurrency = 8; }), client);

        await DrainUntilEmptyAsync(dispatcher, TimeSpan.FromSeconds(30));

        var times = _fake.Calls(_fake.Api, GroupPath).Select(e => e.RequestMessage.DateTime).Order().ToList();
        Assert.Equal(200, times.Count);
        var busiest = times.Select((t, i) => times.Skip(i).TakeWhile(u => u - t < TimeSpan.FromSeconds(1)).Count()).Max();
        Assert.True(busiest <= limit, $"{busiest} calls within one second; the limit is {limit}");
        Assert.True(busiest >= limit * 0.8, $"only {busiest} calls in the busiest second; the limiter is far below {limit}");
        var span = times[^1] - times[0];
        Assert.True(span >= TimeSpan.FromSeconds(2.9), $"200 calls at {limit}/s took only {span.TotalSeconds:F2} s");
    }

    [Fact]
    public async Task Drain_FailingMaxAttempts_IsDeadListedAndSentAfterRetry()
    {
        var outage = Guid.NewGuid();
        _fake.Api.Given(Request.Create().WithPath(GroupPath).UsingPost()).WithGuid(outage).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(500).WithBodyAsJson(new { code = "systemError", message = "boom", requestid = "REQ-9" }));
        await EnqueueAsync(GroupMessages(1));
        var dispatcher = Dispatcher(FastOptions(o => o.MaxAttempts = 3));
        var admin = new OutboxAdmin(db.DataSource, _store);

        await DrainUntilEmptyAsync(dispatcher, TimeSpan.FromSeconds(10), c => c.Dead == 1);

        var dead = Assert.Single(await admin.ListDeadAsync(50, null, _ct));
        Assert.Equal(3, dead.Attempts);
        Assert.Equal(TestRenderer.Group, dead.Topic);
        Assert.Contains("systemError", dead.LastError);
        Assert.Contains("REQ-9", dead.LastError);
        Assert.Equal(3, _fake.Calls(_fake.Api, GroupPath).Count);
        await dispatcher.DrainAsync(TimeSpan.FromSeconds(1), _ct);
        Assert.Equal(3, _fake.Calls(_fake.Api, GroupPath).Count);

        _fake.Api.DeleteMapping(outage);
        Assert.True(await admin.RetryDeadAsync(dead.Id, _ct));
        Assert.False(await admin.RetryDeadAsync(dead.Id, _ct));
        await DrainUntilEmptyAsync(dispatcher, TimeSpan.FromSeconds(10));

        Assert.Equal(["msg-001"], DeliveredTexts());
        Assert.Empty(await admin.ListDeadAsync(50, null, _ct));
        Assert.Equal(new OutboxCounts { Pending = 0, Sent = 1, Dead = 0 }, await CountsAsync());
        Assert.False(await admin.RetryDeadAsync(dead.Id, _ct));
    }

    [Fact]
    public async Task Drain_UpdatesOfOneCard_AppliedInOrderEvenAcrossARetry()
    {
        // The first update of card-7 fails once: its successors must wait for its retry.
        var firstOfCard7 = new WireMock.Matchers.WildcardMatcher("*\"outTrackId\":\"card-7\"*\"state\":\"v01\"*");
        _fake.Api.Given(Request.Create().WithPath(CardPath).UsingPut().WithBody(firstOfCard7)).InScenario("first-fails").WillSetStateTo("ok").AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(500).WithBodyAsJson(new { code = "system.busy", message = "busy" }));
        var messages = new List<OutboxMessage>();
        for (var v = 1; v <= 10; v++)
        {
            messages.Add(new OutboxMessage(TestRenderer.Card, "card:7", new TestRenderer.CardPayload("card-7", $"v{v:D2}")));
            messages.Add(new OutboxMessage(TestRenderer.Card, $"card:other{v}", new TestRenderer.CardPayload($"card-other{v}", "v01")));
        }
        await EnqueueAsync(messages);
        var dispatcher = Dispatcher(FastOptions(o => { o.BatchSize = 50; o.Concurrency = 8; }));

        await DrainUntilEmptyAsync(dispatcher, TimeSpan.FromSeconds(20));

        var card7 = _fake.Calls(_fake.Api, CardPath)
            .Where(e => DingTalkFake.Body(e).GetProperty("outTrackId").GetString() == "card-7")
            .Select(e => (Status: DingTalkFake.Status(e), State: DingTalkFake.Body(e).GetProperty("cardData").GetProperty("cardParamMap").GetProperty("state").GetString()!))
            .ToList();
        Assert.Equal((500, "v01"), card7[0]);
        var applied = card7.Where(c => c.Status == 200).Select(c => c.State).ToList();
        Assert.Equal(Enumerable.Range(1, 10).Select(v => $"v{v:D2}").ToList(), applied);
        Assert.Equal("v10", applied[^1]);
        Assert.Equal(20, (await CountsAsync()).Sent);
        Assert.Equal(21, _fake.Calls(_fake.Api, CardPath).Count);
    }

    [Fact]
    public async Task Claim_RowLockedByAnotherDispatcher_IsSkippedWithoutWaiting()
    {
        await EnqueueAsync(GroupMessages(2));
        await using var holder = await db.DataSource.OpenConnectionAsync();
        await using var holding = await holder.BeginTransactionAsync();
        var first = await holder.QuerySingleAsync<long>("SELECT MIN(id) FROM outbox", transaction: holding);
        await holder.ExecuteAsync("SELECT id FROM outbox WHERE id = @first FOR UPDATE", new { first }, holding);

        await using var conn = await db.DataSource.OpenConnectionAsync();
        var watch = Stopwatch.StartNew();
        var claimed = await _store.ClaimDueAsync(conn, [TestRenderer.Group], 10, TimeSpan.FromMinutes(1), _ct);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"claim waited {watch.Elapsed}");
        var row = Assert.Single(claimed);
        Assert.NotEqual(first, row.Id);
        Assert.Equal(1, row.Attempts);
        await holding.RollbackAsync();
    }

    [Fact]
    public async Task Claim_LeaseExpired_RowReclaimedAndOldClaimCannotFinish()
    {
        var clock = new TestClock(DateTimeOffset.UtcNow.AddSeconds(5));
        var store = new OutboxStore(clock);
        await EnqueueAsync(GroupMessages(1));
        await using var conn = await db.DataSource.OpenConnectionAsync();

        var old = Assert.Single(await store.ClaimDueAsync(conn, [TestRenderer.Group], 10, TimeSpan.FromMinutes(1), _ct));
        Assert.Empty(await store.ClaimDueAsync(conn, [TestRenderer.Group], 10, TimeSpan.FromMinutes(1), _ct));
        clock.Now += TimeSpan.FromMinutes(2);
        var fresh = Assert.Single(await store.ClaimDueAsync(conn, [TestRenderer.Group], 10, TimeSpan.FromMinutes(1), _ct));

        Assert.Equal(old.Id, fresh.Id);
        Assert.Equal(2, fresh.Attempts);
        Assert.False(await store.MarkSentAsync(conn, old, _ct));
        Assert.True(await store.MarkSentAsync(conn, fresh, _ct));
    }

    [Fact]
    public async Task Claim_TopicNotRendered_IsLeftWaiting()
    {
        await EnqueueAsync([new OutboxMessage(OutboxTopics.GridDispatch, "grid:1", new ClueRefPayload(1, 2))]);
        await EnqueueAsync(GroupMessages(1));

        var report = await Dispatcher(FastOptions()).DrainAsync(TimeSpan.FromSeconds(5), _ct);

        Assert.Equal(1, report.Sent);
        Assert.Equal(new OutboxCounts { Pending = 1, Sent = 1, Dead = 0 }, await CountsAsync());
    }

    [Fact]
    public async Task Drain_CardWithOneFailedSpace_RetriesOnlyThatSpaceByDelivering()
    {
        _fake.Api.Given(Request.Create().WithPath("/v1.0/card/instances/createAndDeliver").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new
            {
                success = true,
                result = new
                {
                    deliverResults = new object[]
                    {
                        new { spaceType = "IM_ROBOT", spaceId = "u1", success = true, carrierId = "c1" },
                        new { spaceType = "IM_ROBOT", spaceId = "u2", success = false, errorMsg = "busy" },
                    },
                },
            }));
        _fake.Api.Given(Request.Create().WithPath("/v1.0/card/instances/deliver").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new
            {
                success = true,
                result = new object[] { new { spaceType = "IM_ROBOT", spaceId = "u2", success = true, carrierId = "c2" } },
            }));
        await EnqueueAsync([new OutboxMessage(TestRenderer.CardNew, null, new TestRenderer.UsersPayload(["u1", "u2"], "新线索"))]);

        await DrainUntilEmptyAsync(Dispatcher(FastOptions()), TimeSpan.FromSeconds(10));

        var create = Assert.Single(_fake.Calls(_fake.Api, "/v1.0/card/instances/createAndDeliver"));
        Assert.Equal("dtv1.card//IM_ROBOT.u1;IM_ROBOT.u2", DingTalkFake.Body(create).GetProperty("openSpaceId").GetString());
        var deliver = Assert.Single(_fake.Calls(_fake.Api, "/v1.0/card/instances/deliver"));
        Assert.Equal("dtv1.card//IM_ROBOT.u2", DingTalkFake.Body(deliver).GetProperty("openSpaceId").GetString());
        Assert.Equal(DingTalkFake.Body(create).GetProperty("outTrackId").GetString(), DingTalkFake.Body(deliver).GetProperty("outTrackId").GetString());
        Assert.Equal(new OutboxCounts { Pending = 0, Sent = 1, Dead = 0 }, await CountsAsync());
    }

    private static void Delivers(DingTalkFake fake) =>
        fake.Api.Given(Request.Create().WithPath("/v1.0/card/instances/deliver").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new
            {
                success = true,
                result = new object[] { new { spaceType = "IM_ROBOT", spaceId = "u9", success = true, carrierId = "c9" } },
            }));

    [Fact]
    public async Task Drain_CardThatExists_NewHolderGetsButtonsByUpdateThenDeliveryNeverASecondCreate()
    {
        Delivers(_fake);
        await EnqueueAsync([new OutboxMessage(TestRenderer.CardExisting, null, new TestRenderer.ExistingPayload("clue-7", ["u9"], PrivateDataSent: false))]);

        await DrainUntilEmptyAsync(Dispatcher(FastOptions()), TimeSpan.FromSeconds(10));

        Assert.Empty(_fake.Calls(_fake.Api, "/v1.0/card/instances/createAndDeliver"));
        var cardCalls = _fake.Api.LogEntries.Where(e => e.RequestMessage.Path.StartsWith(CardPath, StringComparison.Ordinal)).ToList();
        Assert.Equal(["PUT /v1.0/card/instances", "POST /v1.0/card/instances/deliver"],
            cardCalls.Select(e => $"{e.RequestMessage.Method} {e.RequestMessage.Path}"));
        var update = DingTalkFake.Body(cardCalls[0]);
        Assert.Equal("clue-7", update.GetProperty("outTrackId").GetString());
        Assert.Equal("true", update.GetProperty("privateData").GetProperty("u9").GetProperty("cardParamMap").GetProperty("btn_supervise").GetString());
        Assert.True(update.GetProperty("cardUpdateOptions").GetProperty("updatePrivateDataByKey").GetBoolean());
        Assert.Equal("dtv1.card//IM_ROBOT.u9", DingTalkFake.Body(cardCalls[1]).GetProperty("openSpaceId").GetString());
        Assert.Equal(new OutboxCounts { Pending = 0, Sent = 1, Dead = 0 }, await CountsAsync());
    }

    [Fact]
    public async Task Drain_CardThatExistsWhoseUpdateCarriedTheButtons_IsDeliveredInOneCall()
    {
        Delivers(_fake);
        await EnqueueAsync([new OutboxMessage(TestRenderer.CardExisting, null, new TestRenderer.ExistingPayload("clue-7", ["u9"], PrivateDataSent: true))]);

        await DrainUntilEmptyAsync(Dispatcher(FastOptions()), TimeSpan.FromSeconds(10));

        var cardCalls = _fake.Api.LogEntries.Where(e => e.RequestMessage.Path.StartsWith(CardPath, StringComparison.Ordinal)).ToList();
        Assert.Equal(["POST /v1.0/card/instances/deliver"], cardCalls.Select(e => $"{e.RequestMessage.Method} {e.RequestMessage.Path}"));
    }

    [Fact]
    public async Task Drain_CardBelievedMadeButUnknownToDingTalk_IsCreatedAfterAll()
    {
        // Its first delivery went dead before DingTalk made it: the copies say "exists", DingTalk says it does not.
        _fake.Api.Given(Request.Create().WithPath(CardPath).UsingPut()).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(400).WithBodyAsJson(new { code = "param.cardNotExist", message = "card is not exist" }));
        _fake.Api.Given(Request.Create().WithPath("/v1.0/card/instances/createAndDeliver").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new
            {
                success = true,
                result = new { deliverResults = new object[] { new { spaceType = "IM_ROBOT", spaceId = "u9", success = true, carrierId = "c9" } } },
            }));
        await EnqueueAsync([new OutboxMessage(TestRenderer.CardExisting, null, new TestRenderer.ExistingPayload("clue-7", ["u9"], PrivateDataSent: false))]);

        await DrainUntilEmptyAsync(Dispatcher(FastOptions()), TimeSpan.FromSeconds(10));

        var create = DingTalkFake.Body(Assert.Single(_fake.Calls(_fake.Api, "/v1.0/card/instances/createAndDeliver")));
        Assert.Equal("true", create.GetProperty("privateData").GetProperty("u9").GetProperty("cardParamMap").GetProperty("btn_supervise").GetString());
        Assert.Empty(_fake.Calls(_fake.Api, "/v1.0/card/instances/deliver"));
        Assert.Equal(new OutboxCounts { Pending = 0, Sent = 1, Dead = 0 }, await CountsAsync());
    }

    [Fact]
    public async Task Drain_FlowControlledUsers_RetriedAloneOthersNotMessagedTwice()
    {
        const string path = "/v1.0/robot/oToMessages/batchSend";
        _fake.Api.Given(Request.Create().WithPath(path).UsingPost()).InScenario("flow").WillSetStateTo("calm")
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { processQueryKey = "k1", flowControlledStaffIdList = new[] { "u3" }, invalidStaffIdList = new[] { "gone" } }));
        _fake.Api.Given(Request.Create().WithPath(path).UsingPost()).InScenario("flow").WhenStateIs("calm")
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { processQueryKey = "k2" }));
        await EnqueueAsync([new OutboxMessage(TestRenderer.Users, null, new TestRenderer.UsersPayload(["u1", "u2", "u3", "gone"], "催办"))]);

        await DrainUntilEmptyAsync(Dispatcher(FastOptions()), TimeSpan.FromSeconds(10));

        var calls = _fake.Calls(_fake.Api, path).Select(c => string.Join(',', DingTalkFake.Body(c).GetProperty("userIds").EnumerateArray().Select(e => e.GetString()))).ToList();
        Assert.Equal(["u1,u2,u3,gone", "u3"], calls);
        Assert.Equal(new OutboxCounts { Pending = 0, Sent = 1, Dead = 0 }, await CountsAsync());
    }
}
