namespace SchoolSafety.Bench;

public static class CluesBench
{
    public static Task RunAsync(string[] args) => Task.CompletedTask;
}
