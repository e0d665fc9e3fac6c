using System.ComponentModel.DataAnnotations;
using SchoolSafety.Core.Clues;

namespace SchoolSafety.Core.Calendar;

/// <summary>
/// Working days allowed per state and tier (domain.md §2), overridable per work-list item in
/// configuration (<c>DueTimes:Items:&lt;no&gt;</c>).
/// </summary>
public sealed class DueTimeOptions
{
    public const string Section = "DueTimes";

    [Range(0, 60)] public int AcceptDays { get; set; } = 1;
    [Range(0, 60)] public int ResolveWorkGroupDays { get; set; } = 5;
    [Range(0, 60)] public int ResolveDistrictDays { get; set; } = 10;
    [Range(0, 60)] public int ResolveCityDays { get; set; } = 10;
    /// <summary>The department head's review of a proposed dispatch (not fixed by the plan).</summary>
    [Range(0, 60)] public int ReviewDays { get; set; } = 2;
    [Range(0, 60)] public int ConfirmDays { get; set; } = 2;

    /// <summary>Per-item overrides, keyed by the item's number.</summary>
    public Dictionary<int, ItemDueTimes> Items { get; set; } = [];

    /// <summary>
    /// Working days for the state the clue has just entered, or null when no deadline runs
    /// (dispatched to the four platforms, which keep their own; closed).
    /// </summary>
    public int? DaysFor(ClueState state, Tier tier, int itemNo)
    {
        Items.TryGetValue(itemNo, out var item);
        return state switch
        {
            ClueState.PendingAcceptance => item?.AcceptDays ?? AcceptDays,
            ClueState.InProgress => tier switch
            {
                Tier.WorkGroup => item?.ResolveWorkGroupDays ?? ResolveWorkGroupDays,
                Tier.District => item?.ResolveDistrictDays ?? ResolveDistrictDays,
                _ => item?.ResolveCityDays ?? ResolveCityDays,
            },
            ClueState.PendingReview => ReviewDays,
            ClueState.PendingConfirmation => ConfirmDays,
            _ => null,
        };
    }
}

public sealed class ItemDueTimes
{
    public int? AcceptDays { get; set; }
    public int? ResolveWorkGroupDays { get; set; }
    public int? ResolveDistrictDays { get; set; }
    public int? ResolveCityDays { get; set; }
}
