using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SchoolSafety.Core.Notifications;
using SchoolSafety.IntegrationTests.DingTalk;
using SchoolSafety.IntegrationTests.Infrastructure;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace SchoolSafety.IntegrationTests.Outbox;

/// <summary>
/// Issue 9 item 8: a DingTalk outage of a day loses nothing. The clock is the test's: each round moves it on past the
/// capped back-off, so a day of retries takes a second. Default options (back-off capped at 15 minutes, dead after 72 hours).
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class OutboxOutageTests(TestDatabase db) : IAsyncLifetime
{
    private const string GroupPath = "/v1.0/robot/groupMessages/send";
    private readonly DingTalkFake _fake = new();
    private readonly TestClock _clock = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.FromHours(8)));
    private readonly OutboxOptions _options = new();
    private Guid _outage;
    private OutboxStore _store = null!;

    public async Task InitializeAsync()
    {
        await db.ResetAsync();
        _store = new OutboxStore(_clock);
        _fake.Api.Given(Request.Create().WithPath(GroupPath).UsingPost()).AtPriority(100)
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { processQueryKey = "k" }));
        _outage = Guid.NewGuid();
        _fake.Api.Given(Request.Create().WithPath(GroupPath).UsingPost()).WithGuid(_outage).AtPriority(1)
            .RespondWith(Response.Create().WithStatusCode(503).WithBodyAsJson(new { code = "ServiceUnavailable", message = "down" }));
    }

    public async Task DisposeAsync()
    {
        _fake.Dispose();
        await db.ResetAsync();
    }

    private OutboxDispatcher Dispatcher() =>
        new(db.DataSource, _store, new TestRenderer(), _fake.CreateClient(), Options.Create(_options), _clock, NullLogger<OutboxDispatcher>.Instance);

    private async Task<long> EnqueueAsync(string text)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await _store.EnqueueAsync(conn, tx, [new OutboxMessage(TestRenderer.Group, null, new TestRenderer.GroupPayload("cid-1", text))], CancellationToken.None);
        await tx.CommitAsync();
        return await conn.ExecuteScalarAsync<long>("SELECT MAX(id) FROM outbox");
    }

    private async Task<(int Attempts, bool Dead, bool Sent, DateTime Next)> RowAsync(long id)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        return await conn.QuerySingleAsync<(int, bool, bool, DateTime)>(
            "SELECT attempts, dead_at IS NOT NULL, sent_at IS NOT NULL, next_attempt_at FROM outbox WHERE id = @id", new { id });
    }

    /// <summary>Rounds of the dispatcher, the clock moved on past the capped back-off before each, until <paramref name="span"/> has passed.</summary>
    private async Task RunForAsync(OutboxDispatcher dispatcher, TimeSpan span)
    {
        var until = _clock.Now + span;
        while (_clock.Now < until)
        {
            _clock.Now += _options.MaxBackoff + TimeSpan.FromSeconds(1);
            await dispatcher.DrainAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        }
    }

    private int Delivered() => _fake.Calls(_fake.Api, GroupPath).Count(e => DingTalkFake.Status(e) == 200);

    [Fact]
    public async Task ADayLongOutage_LosesNothing_TheRowIsSentOnceAfterIt()
    {
        var id = await EnqueueAsync("停电一天后送达");
        var dispatcher = Dispatcher();
        await RunForAsync(dispatcher, TimeSpan.FromHours(24));

        var during = await RowAsync(id);
        Assert.False(during.Dead, "a row must not be dead after a day");
        Assert.True(during.Attempts > _options.MaxAttempts, $"only {during.Attempts} attempts in a day");
        Assert.True(during.Next - _clock.Now.UtcDateTime <= _options.MaxBackoff, $"back-off not capped: next try at {during.Next:O}");
        Assert.Equal(0, Delivered());

        _fake.Api.DeleteMapping(_outage);
        await RunForAsync(dispatcher, TimeSpan.FromHours(1));
        Assert.True((await RowAsync(id)).Sent);
        Assert.Equal(1, Delivered());
    }

    [Fact]
    public async Task AnOutagePast72Hours_BuriesTheRow_ThenTheAdminRequeuesIt_AndItIsSentOnce()
    {
        var id = await EnqueueAsync("三天后仍未送达");
        var dispatcher = Dispatcher();
        await RunForAsync(dispatcher, TimeSpan.FromHours(71));
        Assert.False((await RowAsync(id)).Dead);
        await RunForAsync(dispatcher, TimeSpan.FromHours(1.5));
        Assert.True((await RowAsync(id)).Dead);

        var admin = new OutboxAdmin(db.DataSource, _store);
        Assert.Equal(id, Assert.Single(await admin.ListDeadAsync(50, null, CancellationToken.None)).Id);
        _fake.Api.DeleteMapping(_outage);
        Assert.True(await admin.RetryDeadAsync(id, CancellationToken.None));
        await RunForAsync(dispatcher, TimeSpan.FromMinutes(20));
        Assert.True((await RowAsync(id)).Sent);
        Assert.Equal(1, Delivered());
    }
}
