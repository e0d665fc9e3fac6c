namespace SchoolSafety.Core.Reminders;

/// <summary>
/// The system clock moved so that it read <paramref name="startUtc"/> when it was made, and runs on from there in real time:
/// <c>SchoolSafety:ClockStart</c> for a demo ("tomorrow 08:30" now) or a test of separate processes. Never in Production.
/// </summary>
public sealed class ShiftedClock(DateTime startUtc) : TimeProvider
{
    private readonly TimeSpan _offset = DateTime.SpecifyKind(startUtc, DateTimeKind.Utc) - DateTime.UtcNow;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + _offset;
}
