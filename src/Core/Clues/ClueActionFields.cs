namespace SchoolSafety.Core.Clues;

/// <summary>What a person fills in for an action in the mini-app: whether a note is required (and what to ask), photos, a target.</summary>
public sealed record ActionFields(string? NoteRequired, bool Photos, bool TargetUser, bool TargetItem, bool SupervisionDue)
{
    /// <summary>The requested new due time (申请延期).</summary>
    public bool ExtensionDue { get; init; }
    /// <summary>A rating (回访评价); 不满意 also needs a note.</summary>
    public bool Rating { get; init; }
}

/// <summary>The fields of each action, as data (the mini-app renders them; the service enforces the required note).</summary>
public static class ClueActionFields
{
    private static readonly ActionFields None = new(null, false, false, false, false);

    public static ActionFields Of(ClueAction action) => action switch
    {
        ClueAction.Resolve => None with { NoteRequired = "请填写办结情况说明", Photos = true },
        ClueAction.Escalate or ClueAction.RequestEscalation => None with { NoteRequired = "请填写上报上级的原因" },
        ClueAction.Return => None with { NoteRequired = "请填写退回原因" },
        ClueAction.RejectDispatch => None with { NoteRequired = "请填写驳回原因" },
        ClueAction.RejectEscalation => None with { NoteRequired = "请填写驳回上报的原因" },
        ClueAction.RequestExtension => None with { NoteRequired = "请填写延期原因", ExtensionDue = true },
        ClueAction.RejectExtension => None with { NoteRequired = "请填写驳回延期的原因" },
        ClueAction.RejectResult => None with { NoteRequired = "请填写退回重办的原因" },
        ClueAction.Redo => None with { NoteRequired = "请填写不满意的原因" },
        ClueAction.Rate => None with { Rating = true },
        ClueAction.GridResult => None with { NoteRequired = "请填写四平台处置结果", Photos = true },
        ClueAction.GridRefused => None with { NoteRequired = "请填写四平台拒收的原因" },
        ClueAction.Comment => None with { NoteRequired = "请填写备注内容", Photos = true },
        ClueAction.Reassign => None with { TargetUser = true },
        ClueAction.Reroute => None with { TargetItem = true },
        ClueAction.Supervise => None with { SupervisionDue = true },
        _ => None,
    };
}
