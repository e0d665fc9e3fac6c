namespace SchoolSafety.IntegrationTests.Infrastructure;

/// <summary>A clock tests set by hand (forwards or backwards).</summary>
public sealed class TestClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;

    /// <summary>Sets the clock to a China Standard Time wall-clock moment.</summary>
    public void SetChinaTime(int y, int mo, int d, int h = 10, int mi = 0) =>
        Now = new DateTimeOffset(y, mo, d, h, mi, 0, TimeSpan.FromHours(8));
}
