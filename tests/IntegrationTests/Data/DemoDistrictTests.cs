using SchoolSafety.Core.Demo;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.Data;

[Collection(DatabaseCollection.Name)]
public sealed class DemoDistrictTests(CoreServices core) : IClassFixture<CoreServices>
{
    private static readonly string[] Tables = ["regions", "schools", "units", "users", "memberships", "work_groups", "work_group_members", "worklist_items"];

    private async Task<List<string>> SnapshotAsync()
    {
        var result = new List<string>();
        foreach (var t in Tables)
            result.Add($"{t}:{await core.ScalarAsync<long>($"SELECT COUNT(*) FROM {t}")}");
        result.AddRange(await core.QueryAsync<string>("SELECT CONCAT(id, name, IFNULL(mobile, ''), updated_at) FROM users ORDER BY id"));
        result.AddRange(await core.QueryAsync<string>("SELECT CONCAT(no, IFNULL(escalation_unit_id, '-')) FROM worklist_items ORDER BY no"));
        result.AddRange(await core.QueryAsync<string>("SELECT CONCAT_WS('|', id, user_id, role, unit_id, school_id, IFNULL(title, ''), created_at) FROM memberships ORDER BY id"));
        result.AddRange(await core.QueryAsync<string>("SELECT CONCAT_WS('|', work_group_id, line_code, user_id, unit_id) FROM work_group_members ORDER BY 1"));
        return result;
    }

    [Fact]
    public async Task Load_Twice_ChangesNothing()
    {
        await core.Get<DemoDistrict>().LoadAsync(CancellationToken.None);   // the fixture loaded it once already
        var before = await SnapshotAsync();
        await core.Get<DemoDistrict>().LoadAsync(CancellationToken.None);
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task Load_BuildsTheDistrict_AsTheSpecDescribes()
    {
        Assert.Equal(12, await core.ScalarAsync<long>("SELECT COUNT(*) FROM regions WHERE level = 'Town'"));
        Assert.Equal(20, await core.ScalarAsync<long>("SELECT COUNT(*) FROM schools"));
        Assert.Equal(4, await core.ScalarAsync<long>("SELECT COUNT(*) FROM schools WHERE is_pilot = 1"));
        Assert.Equal(13, await core.ScalarAsync<long>("SELECT COUNT(*) FROM memberships WHERE role = 'Liaison'"));
        Assert.Equal(20, await core.ScalarAsync<long>("SELECT COUNT(*) FROM work_groups WHERE open_conversation_id IS NOT NULL"));
        // Two co-leaders per school: a grid instructor and a school leader.
        Assert.Equal(["GridInstructor:20", "SchoolLeader:20"], await core.QueryAsync<string>("SELECT CONCAT(title, ':', COUNT(*)) FROM memberships WHERE role = 'CoLeader' GROUP BY title ORDER BY title"));
        Assert.Equal(4, await core.ScalarAsync<long>("SELECT COUNT(*) FROM worklist_items WHERE escalation_unit_id IS NOT NULL"));
    }
}
