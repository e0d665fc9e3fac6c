using MySqlConnector;
using SchoolSafety.Core.Clues;

namespace SchoolSafety.Core.Cards;

/// <summary>Which buttons a card shows: each holder sees only their own (DingTalk private data keyed by user).</summary>
public sealed class CardButtons(ClueService clues, CardCopyStore copies)
{
    /// <summary>Each holder's own actions now (holders: delivered, about to be, or <paramref name="alsoUsers"/>): their private buttons.</summary>
    public async Task<IReadOnlyDictionary<long, IReadOnlyList<ClueAction>>> PerHolderAsync(MySqlConnection conn, ClueRow clue, IEnumerable<long> alsoUsers, CancellationToken ct)
    {
        var holders = (await copies.CopiesAsync(conn, clue.Id, ct)).Select(c => c.UserId)
            .Concat(await copies.PendingRecipientsAsync(conn, clue.Id, ct))
            .Concat(alsoUsers)
            .ToHashSet();
        return await clues.ActionsForAsync(conn, clue, holders, ct);
    }
}
