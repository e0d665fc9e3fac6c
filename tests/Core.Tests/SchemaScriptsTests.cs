using SchoolSafety.Core.Data;

namespace SchoolSafety.Core.Tests;

public sealed class SchemaScriptsTests
{
    [Fact]
    public void Scripts_AreEmbeddedInVersionOrder_WithUniqueVersions()
    {
        var versions = SchemaMigrator.Scripts.Select(s => s.Version).ToList();
        Assert.True(versions.Count >= 20);
        Assert.Equal(versions.Order(StringComparer.Ordinal), versions);
        Assert.Equal(versions.Count, versions.Distinct().Count());
        Assert.All(versions, v => Assert.Matches(@"^V\d{4}__[a-z0-9_]+$", v));
    }

    [Fact]
    public void Scripts_HoldAtMostOneDdlStatementEach()
    {
        foreach (var (version, sql) in SchemaMigrator.Scripts)
        {
            var ddl = System.Text.RegularExpressions.Regex.Matches(sql, @"\b(CREATE|ALTER|DROP|RENAME)\s+(TABLE|INDEX|UNIQUE)\b").Count;
            Assert.True(ddl <= 1, $"{version} has {ddl} DDL statements");
        }
    }
}
