namespace SchoolSafety.Core.Todos;

/// <summary>DingTalk to-dos (section <c>DingTalk:Todos</c>).</summary>
public sealed class TodoOptions
{
    public const string Section = "DingTalk:Todos";

    /// <summary>
    /// Mirror every open duty as a DingTalk to-do (default on). Off, no change queues a to-do and none is sent; each to-do
    /// made costs two metered calls (create, complete), see docs/benchmarks.md.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The duties that become to-dos (<see cref="TodoDuty"/> names, e.g. <c>ApproveDispatch,ApproveEscalation,ApproveExtension</c>);
    /// empty: all. A standard-edition district that cannot spend two calls on every accept and rating keeps the approvals only.
    /// </summary>
    public List<TodoDuty> Duties { get; set; } = [];

    /// <summary>
    /// The grace of a duty, in working days (default 1; 0: every duty becomes a to-do at once, as before). A duty becomes a
    /// DingTalk to-do only once it has stayed open this long, or earlier at its first reminder step (签收 at accept-due, 回访 at
    /// rate, see <see cref="TodoRules"/>), and only at working time (the reminder evaluator hands it over). A duty done from
    /// the card within the grace costs no call; one left open gets its to-do then, with DingTalk's own notification, which
    /// stands for that step's 1:1 message.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(0, 20)]
    public int GraceWorkingDays { get; set; } = 1;

    public bool Makes(TodoDuty duty) => Enabled && (Duties.Count == 0 || Duties.Contains(duty));
}
