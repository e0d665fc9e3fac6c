using System.Text.Json;
using Microsoft.Extensions.Options;
using MySqlConnector;
using SchoolSafety.Core.Cards;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.DingTalk.Contracts;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Notifications;

/// <summary>
/// The outbox renderer the hosts use: clue cards (<c>clue.card.deliver</c>, <c>clue.card.update</c>) are composed by
/// <see cref="CardComposer"/> from the clue as it is when the row is sent; other topics go to the renderers registered
/// for them (<see cref="IOutboxTopicRenderer"/>, e.g. the chatbot replies) or, for the notices, to <see cref="ClueNoticeRenderer"/>.
/// <para>
/// A clue has one card instance (<see cref="CardComposer.OutTrackId"/>) delivered to each recipient's robot chat, and
/// every recipient is recorded in <c>card_copies</c>; so one update refreshes every copy. DingTalk creates an outTrackId
/// once (a second create is refused, <c>param.cardAlreadyExist</c>): a delivery to a clue whose card others hold already is
/// marked <see cref="OutboxDelivery.Card.Exists"/>, and the dispatcher delivers the existing card instead.
/// </para>
/// </summary>
public sealed class ClueCardRenderer(
    MySqlDataSource db,
    ClueStore clues,
    OrganisationStore org,
    CardCopyStore copies,
    CardButtons buttons,
    ClueNoticeRenderer notices,
    IEnumerable<IOutboxTopicRenderer> others,
    IOptions<CardOptions> options,
    TimeProvider clock) : IOutboxMessageRenderer
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public IReadOnlyCollection<string> Topics { get; } =
        new[] { OutboxTopics.CardDeliver, OutboxTopics.CardUpdate }.Concat(notices.Topics).Concat(others.Select(o => o.Topic)).Distinct().ToList();

    public async Task<OutboxDelivery> RenderAsync(OutboxEnvelope message, CancellationToken ct)
    {
        switch (message.Topic)
        {
            case OutboxTopics.CardDeliver:
                return await DeliverAsync(message, ct);
            case OutboxTopics.CardUpdate:
                return await UpdateAsync(message, ct);
        }
        foreach (var o in others)
            if (o.Topic == message.Topic) return await o.RenderAsync(message, ct);
        return await notices.RenderAsync(message, ct);
    }

    private async Task<OutboxDelivery> DeliverAsync(OutboxEnvelope message, CancellationToken ct)
    {
        var p = Read<CardDeliverPayload>(message);
        await using var conn = await db.OpenConnectionAsync(ct);
        var view = await clues.ViewAsync(conn, p.ClueId, ct);
        if (view is null) return new OutboxDelivery.Nothing("the clue is gone");
        var recipients = await org.ActiveDingTalkIdsAsync(conn, p.UserIds, ct);
        if (recipients.Count == 0) return new OutboxDelivery.Nothing("no active recipient");

        var outTrackId = CardComposer.OutTrackId(p.ClueId);
        var ids = recipients.Select(r => r.Id).ToList();
        var exists = await copies.AnyOtherAsync(conn, p.ClueId, ids, ct);
        await copies.RecordAsync(conn, p.ClueId, outTrackId, ids, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var data = CardComposer.Card(view, [], options.Value.ClueLink(p.ClueId), now);   // no shared buttons: each holder's are private
        return new OutboxDelivery.Card(new CardDelivery(
            options.Value.TemplateId, outTrackId, data, null, recipients.Select(r => r.DingTalkUserId).ToList(), options.Value.CallbackRouteKey,
            await PrivateButtonsAsync(conn, view.Clue, ids, ct)), exists, PrivateDataSent: exists && p.AfterUpdate);
    }

    private async Task<OutboxDelivery> UpdateAsync(OutboxEnvelope message, CancellationToken ct)
    {
        var p = Read<ClueRefPayload>(message);
        await using var conn = await db.OpenConnectionAsync(ct);
        var held = await copies.CopiesAsync(conn, p.ClueId, ct);
        if (held.Count == 0) return new OutboxDelivery.Nothing("no delivered copy of the card");
        var view = await clues.ViewAsync(conn, p.ClueId, ct);
        if (view is null) return new OutboxDelivery.Nothing("the clue is gone");
        var now = clock.GetUtcNow().UtcDateTime;
        var data = CardComposer.Card(view, [], options.Value.ClueLink(p.ClueId), now);
        return new OutboxDelivery.CardRefresh(new CardUpdate(held[0].OutTrackId, data, MergeByKey: true, await PrivateButtonsAsync(conn, view.Clue, [], ct)));
    }

    /// <summary>
    /// Every holder's own buttons, keyed by their DingTalk user id, so nobody sees a button they would be refused; a rater's
    /// copy (回访) also asks for the rating.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> PrivateButtonsAsync(MySqlConnection conn, ClueRow clue,
        IReadOnlyCollection<long> alsoUsers, CancellationToken ct)
    {
        var mine = await buttons.PerHolderAsync(conn, clue, alsoUsers, ct);
        var ids = await org.ActiveDingTalkIdsAsync(conn, mine.Keys.ToList(), ct);
        return ids.ToDictionary(u => u.DingTalkUserId, u => (IReadOnlyDictionary<string, string>)CardComposer.Holder(mine[u.Id]));
    }

    private static T Read<T>(OutboxEnvelope message) =>
        JsonSerializer.Deserialize<T>(message.Payload, Json) ?? throw new OutboxDeliveryException($"empty payload for {message.Topic}");
}

/// <summary>A renderer of one further outbox topic (e.g. the chatbot's replies), picked up by <see cref="ClueCardRenderer"/>.</summary>
public interface IOutboxTopicRenderer
{
    string Topic { get; }

    Task<OutboxDelivery> RenderAsync(OutboxEnvelope message, CancellationToken ct);
}
