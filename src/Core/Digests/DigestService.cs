using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MySqlConnector;
using SchoolSafety.Core.Calendar;
using SchoolSafety.Core.Cards;
using SchoolSafety.Core.Data;
using SchoolSafety.Core.DingTalk.Contracts;
using SchoolSafety.Core.Notifications;
using SchoolSafety.Core.Reminders;

namespace SchoolSafety.Core.Digests;

/// <summary>What one digest run did.</summary>
public sealed record DigestRunReport(bool NotWorkingDay, int Composed, int Queued, int Skipped);

/// <summary>One digest ready to queue.</summary>
public sealed record ComposedDigest(string ChatId, string Kind, RobotMessage Message);

/// <summary>
/// The daily digests (domain.md §5): on a working day, one markdown message per work-group chat (a chat with nothing new,
/// open or overdue gets none, only a short note on the week's first working day) and one to the district task force chat.
/// Each chat's digest is recorded per chat and day under a unique key in the transaction that queues it, so a job that
/// runs twice, a second Bot or a crash between the two never sends it twice or loses it.
/// </summary>
public sealed partial class DigestService(
    MySqlDataSource db,
    DigestStore store,
    OutboxStore outbox,
    WorkingCalendar calendar,
    IOptions<ScheduleOptions> schedule,
    IOptions<CardOptions> links,
    TimeProvider clock,
    ILogger<DigestService> logger)
{
    /// <summary>The <c>app_settings</c> key of the district task force chat's open conversation id.</summary>
    public const string DistrictChatSetting = "digest.district_chat_id";

    public const string Daily = "Daily", Weekly = "Weekly", DistrictKind = "District";

    public async Task<DigestRunReport> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var table = await calendar.GetAsync(ct);
        var today = WorkingTime.ChinaDate(now);
        if (!table.IsWorkingDay(today)) return new DigestRunReport(true, 0, 0, 0);

        await using var conn = await db.OpenConnectionAsync(ct);
        var (digests, skipped) = await ComposeAsync(conn, table, now, chatId: null, ct);
        var queued = await QueueAsync(conn, digests, today, now, force: false, ct);
        if (queued > 0) Log.Queued(logger, queued, skipped);
        return new DigestRunReport(false, digests.Count, queued, skipped);
    }

    /// <summary>
    /// Today's digest for one chat (a work group's or the district's) now, whatever was sent before — for a demo and after
    /// a fix; it is recorded too, so the scheduled run does not send it again. False when no such chat is known.
    /// </summary>
    public async Task<bool> SendNowAsync(string chatId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var table = await calendar.GetAsync(ct);
        await using var conn = await db.OpenConnectionAsync(ct);
        var (digests, _) = await ComposeAsync(conn, table, now, chatId, ct, forceCompose: true);
        if (digests.Count == 0) return false;
        await QueueAsync(conn, digests, WorkingTime.ChinaDate(now), now, force: true, ct);
        return true;
    }

    public async Task<string?> DistrictChatAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await store.SettingAsync(conn, DistrictChatSetting, ct);
    }

    /// <summary>Sets (or, with null, clears) the district task force chat.</summary>
    public async Task SetDistrictChatAsync(string? chatId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await store.SetSettingAsync(conn, DistrictChatSetting, string.IsNullOrWhiteSpace(chatId) ? null : chatId.Trim(), clock.GetUtcNow().UtcDateTime, ct);
    }

    /// <summary>The digests of every chat (or of <paramref name="chatId"/> only), and how many empty chats get nothing today.</summary>
    public async Task<(IReadOnlyList<ComposedDigest> Digests, int Skipped)> ComposeAsync(
        MySqlConnection conn, HolidayTable table, DateTime now, string? chatId, CancellationToken ct, bool forceCompose = false)
    {
        var o = schedule.Value;
        var today = WorkingTime.ChinaDate(now);
        // "New since the last digest": since the previous working day's digest time.
        var since = WorkingTime.Utc(WorkingTime.PreviousWorkingDay(table, today), o.DigestTime);
        var weekly = WorkingTime.FirstWorkingDayOfWeek(table, today) == today;
        var link = links.Value.Link(MiniAppPages.Clues);

        var chats = (await store.ChatsAsync(conn, ct)).Where(c => chatId is null || c.ChatId == chatId).ToList();
        var districtChat = await store.SettingAsync(conn, DistrictChatSetting, ct);
        var withDistrict = districtChat is not null && (chatId is null || chatId == districtChat);
        if (chats.Count == 0 && !withDistrict) return ([], 0);

        var counts = chats.Count > 0 ? await store.SchoolCountsAsync(conn, since, now, ct) : new Dictionary<long, SchoolDigestCounts>();
        var flagged = await store.FlaggedAsync(conn, now, ct);
        var overdueBySchool = flagged.Where(c => c.DueAt is { } d && d < now).ToLookup(c => c.SchoolId);

        var digests = new List<ComposedDigest>();
        var skipped = 0;
        foreach (var chat in chats)
        {
            var c = counts.TryGetValue(chat.SchoolId, out var found) ? found : new SchoolDigestCounts { SchoolId = chat.SchoolId };
            if (!c.IsEmpty || !o.SkipEmptyDigests)
                digests.Add(new(chat.ChatId, Daily, DigestComposer.WorkGroup(chat.SchoolName, today, c, overdueBySchool[chat.SchoolId].ToList(), link)));
            else if (weekly || forceCompose)
                digests.Add(new(chat.ChatId, Weekly, DigestComposer.WeeklyNote(chat.SchoolName, today, link)));
            else
                skipped++;
        }
        if (withDistrict)
        {
            var yearStart = WorkingTime.Utc(new DateOnly(today.Year, 1, 1), TimeOnly.MinValue);
            var (towns, lines, figures) = await store.DistrictAsync(conn, now, yearStart, today.AddDays(-90), ct);
            digests.Add(new(districtChat!, DistrictKind,
                DigestComposer.District(today, towns, lines, flagged, figures, now, links.Value.Link(MiniAppPages.Statistics))));
        }
        return (digests, skipped);
    }

    /// <summary>Records and queues the digests batch by batch (<see cref="ScheduleOptions.DigestBatchSize"/> chats a transaction).</summary>
    private async Task<int> QueueAsync(MySqlConnection conn, IReadOnlyList<ComposedDigest> digests, DateOnly today, DateTime now, bool force, CancellationToken ct)
    {
        var queued = 0;
        foreach (var batch in digests.Chunk(schedule.Value.DigestBatchSize))
            queued += await Db.RetryOnDeadlockAsync(async () =>
            {
                var runId = Guid.NewGuid().ToString("N");
                await using var tx = await conn.BeginTransactionAsync(ct);
                var mine = await store.RecordAsync(conn, tx, batch.Select(d => (d.ChatId, d.Kind)).ToList(), today, runId, now, ct);
                var queue = batch.Where(d => force || mine.Contains(d.ChatId)).Select(d => DigestMessages.Queue(d.ChatId, d.Kind, d.Message)).ToList();
                await outbox.EnqueueAsync(conn, tx, queue, ct);
                await tx.CommitAsync(ct);
                return queue.Count;
            });
        return queued;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Digests: {Queued} queued, {Skipped} empty chats skipped")]
        public static partial void Queued(ILogger logger, int queued, int skipped);
    }
}
