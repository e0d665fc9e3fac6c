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
}
