using System.ComponentModel.DataAnnotations;

namespace SchoolSafety.Core.Clues;

/// <summary>The lifecycle's switches (section <c>Clues</c>).</summary>
public sealed class ClueOptions
{
    public const string Section = "Clues";

    /// <summary>Escalating from the work group is a request the head of the holding unit approves (on by default).</summary>
    public bool EscalationApprovalAtWorkGroup { get; set; } = true;

    /// <summary>Escalating from the district department is a request its head approves (on by default).</summary>
    public bool EscalationApprovalAtDistrict { get; set; } = true;

    /// <summary>One person urges one clue at most once in this time, so a chat is never flooded.</summary>
    public TimeSpan UrgeInterval { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Working days the reporter has to rate a resolved clue; after them it counts as 未评价.</summary>
    [Range(1, 30)]
    public int RatingWorkingDays { get; set; } = 3;

    /// <summary>The latest due time an extension may ask for, in calendar days from now.</summary>
    [Range(1, 365)]
    public int MaxExtensionDays { get; set; } = 90;

    public bool EscalationApproval(Tier tier) => tier switch
    {
        Tier.WorkGroup => EscalationApprovalAtWorkGroup,
        Tier.District => EscalationApprovalAtDistrict,
        _ => false,
    };
}
