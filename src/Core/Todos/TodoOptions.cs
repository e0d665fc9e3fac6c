namespace SchoolSafety.Core.Todos;

/// <summary>DingTalk to-dos (section <c>DingTalk:Todos</c>).</summary>
public sealed class TodoOptions
{
    public const string Section = "DingTalk:Todos";

    /// <summary>
    /// Make every open duty a DingTalk to-do (default on). Off, no change queues a to-do and none is sent; each to-do costs
    /// two metered calls (create, complete), see docs/benchmarks.md.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The duties that become to-dos (<see cref="TodoDuty"/> names, e.g. <c>ApproveDispatch,ApproveEscalation,ApproveExtension</c>);
    /// empty: all. A standard-edition district that cannot spend two calls on every accept and rating keeps the approvals only.
    /// </summary>
    public List<TodoDuty> Duties { get; set; } = [];

    public bool Makes(TodoDuty duty) => Enabled && (Duties.Count == 0 || Duties.Contains(duty));
}
