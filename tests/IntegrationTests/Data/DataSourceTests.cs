using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using SchoolSafety.Core.Data;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Data;

public sealed class DataSourceTests(CoreServices core) : IClassFixture<CoreServices>
{
    [Fact]
    public async Task ProductDataSource_MisspeltParameter_IsAnError_NotASilentNull()
    {
        await using var conn = await core.Get<MySqlDataSource>().OpenConnectionAsync();

        var e = await Assert.ThrowsAsync<MySqlException>(() => conn.ExecuteScalarAsync<long?>("SELECT @Typo", new { Tipo = 1 }));

        Assert.Contains("must be defined", e.Message);
    }

    [Fact]
    public async Task ReportDataSource_AllowsUserVariables_ForTheReportBatchOnly()
    {
        await using var conn = await core.Services.GetRequiredKeyedService<MySqlDataSource>(Db.UserVariables).OpenConnectionAsync();

        Assert.Equal(42, await conn.ExecuteScalarAsync<long>("SET @x = 41 + @p; SELECT @x + 1;", new { p = 0 }));
    }
}
