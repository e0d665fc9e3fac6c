using MySqlConnector;
using SchoolSafety.Core.Clues;

namespace SchoolSafety.Core.Cards;

/// <summary>Which buttons a card shows: what the people holding it may do now (the clicker's own reply narrows it to theirs).</summary>
public sealed class CardButtons(ClueService clues, CardCopyStore copies)
{
    /// <summary>The union of the actions the holders of the clue's card (delivered, or about to be) may take now.</summary>
    public async Task<IReadOnlyList<ClueAction>> ForHoldersAsync(MySqlConnection conn, ClueRow clue, IEnumerable<long> alsoUsers, DateTime nowUtc, CancellationToken ct)
    {
        var holders = (await copies.CopiesAsync(conn, clue.Id, ct)).Select(c => c.UserId)
            .Concat(await copies.PendingRecipientsAsync(conn, clue.Id, ct))
            .Concat(alsoUsers)
            .ToHashSet();
        var union = new HashSet<ClueAction>();
        foreach (var actions in (await clues.ActionsForAsync(conn, clue, holders, ct)).Values)
            union.UnionWith(actions);
        return union.Order().ToList();
    }
}
