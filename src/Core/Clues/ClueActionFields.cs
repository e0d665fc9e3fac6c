namespace SchoolSafety.Core.Clues;

/// <summary>What a person fills in for an action in the mini-app: whether a note is required (and what to ask), photos, a target.</summary>
public sealed record ActionFields(string? NoteRequired, bool Photos, bool TargetUser, bool TargetItem, bool SupervisionDue);

/// <summary>The fields of each action, as data (the mini-app renders them; the service enforces the required note).</summary>
public static class ClueActionFields
{
    private static readonly ActionFields None = new(null, false, false, false, false);

    public static ActionFields Of(ClueAction action) => action switch
    {
        ClueAction.Resolve => None with { NoteRequired = "请填写办结情况说明", Photos = true },
        ClueAction.Escalate => None with { NoteRequired = "请填写上报上级的原因" },
        ClueAction.Return => None with { NoteRequired = "请填写退回原因" },
        ClueAction.RejectDispatch => None with { NoteRequired = "请填写驳回原因" },
        ClueAction.RejectResult => None with { NoteRequired = "请填写退回重办的原因" },
        ClueAction.GridResult => None with { NoteRequired = "请填写四平台处置结果", Photos = true },
        ClueAction.Comment => None with { NoteRequired = "请填写备注内容", Photos = true },
        ClueAction.Reassign => None with { TargetUser = true },
        ClueAction.Reroute => None with { TargetItem = true },
        ClueAction.Supervise => None with { SupervisionDue = true },
        _ => None,
    };
}
