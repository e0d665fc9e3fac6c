using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MySqlConnector;
using SchoolSafety.Core.Calendar;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Cards;

/// <summary>
/// A card button click, the same for HTTP and Stream mode: the clicker becomes one of our users, the action goes
/// through <see cref="ClueService.ApplyAsync"/> with the card's version and a key the card carries, and the reply
/// shows the clicker the clue as it now is with only the buttons they may still press. No DingTalk call is made here:
/// the other copies are refreshed by the <c>clue.card.update</c> row ClueService committed with the change.
/// </summary>
public sealed partial class CardCallbackService(
    MySqlDataSource db,
    ClueService clues,
    ClueStore store,
    OrganisationStore org,
    WorkingCalendar calendar,
    CardCopyStore copies,
    IOptions<CardOptions> options,
    TimeProvider clock,
    ILogger<CardCallbackService> logger)
{
    public const string NoPermission = "无权操作";
    public const string CardExpired = "卡片已失效，请在小程序中查看";

    public async Task<CardCallbackReply> HandleAsync(CardCallback click, CancellationToken ct)
    {
        var choice = CardComposer.ParseChoice(click.Param("action"));
        if (choice is null
            || !long.TryParse(click.Param("clueId"), NumberStyles.None, CultureInfo.InvariantCulture, out var clueId)
            || !int.TryParse(click.Param("version"), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            Log.Unreadable(logger, click.OutTrackId);
            return CardCallbackReply.Of(null, CardComposer.NoticeOnly(CardExpired));
        }

        long? userId;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            userId = string.IsNullOrEmpty(click.UserId) ? null : await org.ActiveUserIdAsync(conn, click.UserId, ct);
            if (userId is null)
            {
                Log.UnknownClicker(logger, click.OutTrackId, clueId);
                return CardCallbackReply.Of(null, CardComposer.NoticeOnly(NoPermission));
            }
            // The clicker and the clue come from the body: the click counts only on that clue's own card, delivered to this person.
            if (click.OutTrackId != CardComposer.OutTrackId(clueId) || !await copies.HoldsAsync(conn, clueId, userId.Value, click.OutTrackId, ct))
            {
                Log.NotTheirCard(logger, click.OutTrackId, clueId, userId.Value);
                return CardCallbackReply.Of(null, CardComposer.NoticeOnly(NoPermission));
            }
        }

        // The same path as the mini-app's: the service decides who may, what 不满意 needs, and what a repeat changes. The three
        // rating buttons share one key per version, so a second rating click on the same card changes nothing either.
        var action = choice.Action;
        var outcome = await clues.ApplyAsync(new ClueCommand
        {
            ClueId = clueId,
            Action = action,
            Rating = choice.Rating,
            Version = version,
            IdempotencyKey = CardComposer.IdempotencyKey(click.OutTrackId, version, action),
            Actor = ActorRef.User(userId.Value),
            Note = click.Param("note"),
            // 挂牌督办 from a card (the overdue-3 step's card) runs for the default number of working days.
            SupervisionDueAt = action == ClueAction.Supervise
                ? await calendar.AddWorkingDaysAsync(clock.GetUtcNow().UtcDateTime, options.Value.SupervisionDays, ct)
                : null,
        }, ct);
        Log.Clicked(logger, click.OutTrackId, clueId, choice.Code, userId.Value, outcome.Kind, outcome.Code, outcome.Repeat);

        switch (outcome.Kind)
        {
            case OutcomeKind.Forbidden:
            case OutcomeKind.Invalid:
                // Nothing changed: the clicker is told why, and nobody's card moves.
                return CardCallbackReply.Of(null, CardComposer.NoticeOnly(outcome.Message));
            case OutcomeKind.NotFound:
                return CardCallbackReply.Of(null, CardComposer.Private([], outcome.Message));
        }

        // Applied, a repeat, a stale card (Conflict) or a state that no longer allows it (Refused): show the clue as it is now.
        var notice = outcome.Repeat && outcome.Kind == OutcomeKind.Applied ? $"该操作已处理（{outcome.Message}）" : outcome.Message;
        await using var read = await db.OpenConnectionAsync(ct);
        var view = await store.ViewAsync(read, clueId, ct);
        if (view is null) return CardCallbackReply.Of(null, CardComposer.Private([], "线索不存在"));
        var relation = await clues.RelationAsync(read, null, view.Clue, ActorRef.User(userId.Value), ct);
        // The reply's shared data updates every copy and is read by the clicker: only for someone who may read the clue now.
        if (!CluePermissions.CanSee(relation)) return CardCallbackReply.Of(null, CardComposer.NoticeOnly(notice));
        var now = clock.GetUtcNow().UtcDateTime;
        var mine = (await clues.ActionsForAsync(read, view.Clue, [userId.Value], ct))[userId.Value];
        return CardCallbackReply.Of(
            CardComposer.Shared(view, options.Value.ClueLink(clueId), now),
            CardComposer.Private(mine, notice));
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Card {OutTrackId}: clue {ClueId} {Action} by user {UserId} → {Kind} ({Code}), repeat {Repeat}")]
        public static partial void Clicked(ILogger logger, string outTrackId, long clueId, string action, long userId, OutcomeKind kind, string code, bool repeat);

        [LoggerMessage(2, LogLevel.Warning, "Card {OutTrackId}: a click without a readable action, clue id or version")]
        public static partial void Unreadable(ILogger logger, string outTrackId);

        [LoggerMessage(3, LogLevel.Warning, "Card {OutTrackId}: clue {ClueId} clicked by a DingTalk user who is not an active user here")]
        public static partial void UnknownClicker(ILogger logger, string outTrackId, long clueId);

        [LoggerMessage(4, LogLevel.Warning, "Card {OutTrackId}: clue {ClueId} clicked by user {UserId}, who was not delivered that clue's card")]
        public static partial void NotTheirCard(ILogger logger, string outTrackId, long clueId, long userId);
    }
}
