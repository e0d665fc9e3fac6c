namespace SchoolSafety.Core.Clues;

/// <summary>The Chinese words people read for states, actions and tiers (domain.md §2).</summary>
public static class ClueText
{
    public static string Zh(this ClueState s) => s switch
    {
        ClueState.PendingAcceptance => "待签收",
        ClueState.InProgress => "处置中",
        ClueState.PendingReview => "待审核",
        ClueState.DispatchedToGrid => "已下发四平台",
        ClueState.PendingConfirmation => "待确认",
        ClueState.Resolved => "已办结",
        ClueState.Withdrawn => "已撤回",
        _ => s.ToString(),
    };

    public static string Zh(this ClueAction a) => a switch
    {
        ClueAction.Report => "上报线索",
        ClueAction.Withdraw => "撤回",
        ClueAction.Accept => "签收",
        ClueAction.Reassign => "转派",
        ClueAction.Reroute => "改派",
        ClueAction.Resolve => "办结",
        ClueAction.Escalate => "上报上级",
        ClueAction.ProposeDispatch => "申请下发四平台",
        ClueAction.ApproveDispatch => "审核通过",
        ClueAction.RejectDispatch => "驳回",
        ClueAction.GridResult => "四平台反馈",
        ClueAction.ConfirmResult => "确认办结",
        ClueAction.RejectResult => "退回重办",
        ClueAction.Return => "退回",
        ClueAction.Supervise => "挂牌督办",
        ClueAction.Urge => "催办",
        ClueAction.Comment => "备注",
        ClueAction.Reopen => "重新打开",
        ClueAction.RequestEscalation => "申请上报上级",
        ClueAction.ApproveEscalation => "同意上报",
        ClueAction.RejectEscalation => "驳回上报",
        ClueAction.RequestExtension => "申请延期",
        ClueAction.ApproveExtension => "同意延期",
        ClueAction.RejectExtension => "驳回延期",
        ClueAction.Rate => "回访评价",
        ClueAction.Redo => "重办",
        _ => a.ToString(),
    };

    public static string Zh(this Tier t) => t switch
    {
        Tier.WorkGroup => "护校安园工作组",
        Tier.District => "区级部门",
        Tier.City => "市级部门",
        Tier.Grid => "四平台",
        _ => t.ToString(),
    };

    public static string Zh(this PendingRequest p) => p switch
    {
        PendingRequest.Dispatch => "下发四平台待审核",
        PendingRequest.Escalation => "上报上级待审批",
        PendingRequest.Extension => "延期待审批",
        _ => p.ToString(),
    };

    public static string Zh(this ClueRating r) => r switch
    {
        ClueRating.Satisfied => "满意",
        ClueRating.Basic => "基本满意",
        ClueRating.Unsatisfied => "不满意",
        ClueRating.Unrated => "未评价",
        _ => r.ToString(),
    };
}
