using SchoolSafety.Core.Photos;

namespace SchoolSafety.Core.Tests.Photos;

public sealed class FolderSyncTests
{
    [Fact]
    public void Flush_ExistingFolder_Succeeds()
    {
        var folder = Directory.CreateTempSubdirectory("schoolsafety-sync-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "a.txt"), "x");
            FolderSync.Flush(folder);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Flush_MissingFolder_IsAnIOException_NotASilentSuccess()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"schoolsafety-missing-{Guid.NewGuid():N}");
        Assert.Throws<IOException>(() => FolderSync.Flush(missing));
    }
}
