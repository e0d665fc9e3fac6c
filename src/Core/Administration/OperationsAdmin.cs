using System.Globalization;
using MySqlConnector;
using SchoolSafety.Core.Digests;
using SchoolSafety.Core.DingTalk;
using SchoolSafety.Core.Organisation;
using SchoolSafety.Core.Reminders;

namespace SchoolSafety.Core.Administration;

/// <summary>The guidance window, as the admin edits it (China dates).</summary>
public sealed record TodoUnreachable(long UserId, string Name);

/// <summary>The people DingTalk to-dos cannot reach, and the to-dos of the last 30 days that missed someone.</summary>
public sealed record TodoReach(IReadOnlyList<TodoUnreachable> WithoutUnionId, long TodosMissedLast30Days);

public sealed record GuidanceWindowInput(string? Name, DateOnly? StartsOn, DateOnly? EndsOn);

/// <summary>
/// What the EDU admin runs of the Bot's side: the district task force chat, "send today's digest now", the year's guidance
/// windows and the DingTalk usage. Admin only.
/// </summary>
public sealed class OperationsAdmin(MySqlDataSource db, OrganisationStore org, DigestService digests, ReminderStore reminders, DingTalkUsage usage,
    Todos.TodoStore todos, TimeProvider clock)
{
    private static readonly Failure AdminOnly = Failure.Forbidden("仅区教育局管理员可以操作");

    private async Task<bool> IsAdminAsync(long actorId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await org.ActorAsync(conn, actorId, ct)).IsEduAdmin;
    }

    public async Task<Outcome<UsageReport>> UsageAsync(long actorId, string? month, CancellationToken ct)
    {
        if (!await IsAdminAsync(actorId, ct)) return AdminOnly;
        if (month is not null && !DateOnly.TryParseExact(month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            return Failure.Invalid("usage.month_invalid", "月份格式应为“年-月”，例如 2026-12");
        return await usage.ReportAsync(month, ct);
    }

    /// <summary>
    /// Who DingTalk to-dos cannot reach (an account with no unionId, e.g. made by hand before its first contact sync), and how
    /// many to-dos of the last 30 days missed someone for it.
    /// </summary>
    public async Task<Outcome<TodoReach>> TodoReachAsync(long actorId, CancellationToken ct)
    {
        if (!await IsAdminAsync(actorId, ct)) return AdminOnly;
        await using var conn = await db.OpenConnectionAsync(ct);
        var people = await org.WithoutUnionIdAsync(conn, ct);
        var missed = await todos.UnreachedSinceAsync(conn, clock.GetUtcNow().UtcDateTime.AddDays(-30), ct);
        return new TodoReach(people.Select(p => new TodoUnreachable(p.Id, p.Name)).ToList(), missed);
    }

    public async Task<Outcome<string?>> DistrictChatAsync(long actorId, CancellationToken ct) =>
        await IsAdminAsync(actorId, ct) ? await digests.DistrictChatAsync(ct) : AdminOnly;

    public async Task<Outcome<bool>> SetDistrictChatAsync(long actorId, string? chatId, CancellationToken ct)
    {
        if (!await IsAdminAsync(actorId, ct)) return AdminOnly;
        if (chatId is { Length: > 128 }) return Failure.Invalid("digest.chat_invalid", "群会话 ID 过长");
        await digests.SetDistrictChatAsync(chatId, ct);
        return true;
    }

    public async Task<Outcome<bool>> SendDigestNowAsync(long actorId, string chatId, CancellationToken ct)
    {
        if (!await IsAdminAsync(actorId, ct)) return AdminOnly;
        return await digests.SendNowAsync(chatId, ct) ? true : Failure.NotFound("digest.chat_unknown", "没有这个工作组群或专班群");
    }

    public async Task<Outcome<IReadOnlyList<GuidanceWindowRow>>> GuidanceWindowsAsync(long actorId, int year, CancellationToken ct)
    {
        if (!await IsAdminAsync(actorId, ct)) return AdminOnly;
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await reminders.WindowsAsync(conn, year, ct);
        return Outcome.Of(rows.Count > 0 ? rows : GuidanceWindows.Defaults(year));
    }

    public async Task<Outcome<bool>> SetGuidanceWindowsAsync(long actorId, int year, IReadOnlyList<GuidanceWindowInput> windows, CancellationToken ct)
    {
        if (!await IsAdminAsync(actorId, ct)) return AdminOnly;
        if (year is < 2000 or > 2100) return Failure.Invalid("guidance.window_year", "年份无效");
        if (windows.Count is 0 or > 12) return Failure.Invalid("guidance.window_count", "请设置 1 至 12 个服务指导时段");
        var rows = new List<GuidanceWindowRow>();
        foreach (var (w, i) in windows.Select((w, i) => (w, i)))
        {
            if (string.IsNullOrWhiteSpace(w.Name) || w.Name.Length > 64) return Failure.Invalid("guidance.window_name", "请填写时段名称（不超过 64 字）");
            if (w.StartsOn is not { } from || w.EndsOn is not { } to || to < from || from.Year != year)
                return Failure.Invalid("guidance.window_dates", $"时段「{w.Name}」的起止日期无效（须在 {year} 年内，且结束不早于开始）");
            rows.Add(GuidanceWindows.Window(year, i + 1, w.Name.Trim(), from, to));
        }
        await using var conn = await db.OpenConnectionAsync(ct);
        await reminders.ReplaceWindowsAsync(conn, year, rows, ct);
        return true;
    }
}
