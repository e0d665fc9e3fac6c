using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.MiniApp;

[Collection(DatabaseCollection.Name)]
public sealed class AdminApiTests(MiniAppHost host) : IClassFixture<MiniAppHost>
{
    private static string Unique() => Guid.NewGuid().ToString("N")[..8];

    private Task<long> UserIdAsync(string dingTalkId) => host.ScalarAsync<long>("SELECT id FROM users WHERE dingtalk_user_id = @dingTalkId", new { dingTalkId });

    private Task<long> DistrictUnitAsync(string line) =>
        host.ScalarAsync<long>("SELECT id FROM units WHERE line_code = @line AND level = 'District' AND is_task_force_office = 0", new { line });

    private Task<long> TownIdAsync(string name) => host.ScalarAsync<long>("SELECT id FROM regions WHERE name = @name", new { name });

    private Task<long> SchoolIdAsync(int demoNo) =>
        host.ScalarAsync<long>("SELECT school_id FROM work_groups WHERE open_conversation_id = @cid", new { cid = $"demo-cid-school{demoNo:D2}" });

    private Task<long> AuditCountAsync(string subjectType, long subjectId, string action = "AdminChange") =>
        host.ScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE action = @action AND subject_type = @subjectType AND subject_id = @id",
            new { action, subjectType, id = subjectId.ToString() });

    // ------------------------------------------------------------------ schools

    [Fact]
    public async Task CreateSchool_ByAdmin_CreatesSchoolAndWorkGroup_AndAudits()
    {
        var admin = await host.ClientForAsync("demo-edu-admin");
        var name = $"测试小学{Unique()}";
        var r = await admin.PostAsJsonAsync("/api/admin/schools", new { townId = await TownIdAsync("五常街道"), name, isPilot = true, rolloutPhase = 1 });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var id = (await MiniAppHost.JsonAsync(r)).GetProperty("id").GetInt64();

        Assert.Equal(1, await host.ScalarAsync<long>("SELECT COUNT(*) FROM work_groups WHERE school_id = @id", new { id }));
        Assert.Equal(1, await AuditCountAsync("school", id));
        var list = await admin.GetFromJsonAsync<JsonElement>("/api/admin/schools");
        var row = list.EnumerateArray().Single(s => s.GetProperty("id").GetInt64() == id);
        Assert.True(row.GetProperty("isPilot").GetBoolean());
        Assert.Equal("五常街道", row.GetProperty("townName").GetString());

        // The same name in the same town again is a conflict.
        var again = await admin.PostAsJsonAsync("/api/admin/schools", new { townId = await TownIdAsync("五常街道"), name, isPilot = false, rolloutPhase = 1 });
        await MiniAppHost.AssertProblemAsync(again, HttpStatusCode.Conflict, "school.exists");
    }

    [Fact]
    public async Task UpdateSchool_RenameFlagAndPhase_AreStoredAndAudited()
    {
        var admin = await host.ClientForAsync("demo-edu-admin");
        var created = await admin.PostAsJsonAsync("/api/admin/schools", new { townId = await TownIdAsync("仓前街道"), name = $"改名前小学{Unique()}" });
        var id = (await MiniAppHost.JsonAsync(created)).GetProperty("id").GetInt64();
        var newName = $"改名后小学{Unique()}";

        var r = await admin.PatchAsJsonAsync($"/api/admin/schools/{id}", new { name = newName, isPilot = true, rolloutPhase = 2 });
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(newName, await host.ScalarAsync<string>("SELECT name FROM schools WHERE id = @id", new { id }));
        Assert.Equal(2, await host.ScalarAsync<int>("SELECT rollout_phase FROM schools WHERE id = @id", new { id }));
        Assert.True(await host.ScalarAsync<bool>("SELECT is_pilot FROM schools WHERE id = @id", new { id }));
        Assert.Equal(2, await AuditCountAsync("school", id));

        await MiniAppHost.AssertProblemAsync(await admin.PatchAsJsonAsync("/api/admin/schools/999999999", new { isPilot = true }), HttpStatusCode.NotFound, "school.not_found");
    }

    [Theory]
    [InlineData("", 1, "school.name_invalid")]
    [InlineData("   ", 1, "school.name_invalid")]
    [InlineData("合格的名字", 0, "school.phase_invalid")]
    [InlineData("合格的名字", 10, "school.phase_invalid")]
    public async Task CreateSchool_BadInput_Is400InChinese_AndNothingStored(string name, int phase, string code)
    {
        var admin = await host.ClientForAsync("demo-edu-admin");
        var before = await host.ScalarAsync<long>("SELECT COUNT(*) FROM schools");
        var r = await admin.PostAsJsonAsync("/api/admin/schools", new { townId = await TownIdAsync("五常街道"), name, rolloutPhase = phase });
        await MiniAppHost.AssertProblemAsync(r, HttpStatusCode.BadRequest, code);
        Assert.Equal(before, await host.ScalarAsync<long>("SELECT COUNT(*) FROM schools"));
    }

    [Fact]
    public async Task CreateSchool_UnknownTownOrDistrictAsTown_Is400()
    {
        var admin = await host.ClientForAsync("demo-edu-admin");
        await MiniAppHost.AssertProblemAsync(await admin.PostAsJsonAsync("/api/admin/schools", new { townId = 999999999, name = "某小学" }), HttpStatusCode.BadRequest, "school.town_invalid");
        await MiniAppHost.AssertProblemAsync(await admin.PostAsJsonAsync("/api/admin/schools", new { townId = await TownIdAsync("余杭区"), name = "某小学" }), HttpStatusCode.BadRequest, "school.town_invalid");
    }

    [Theory]
    [InlineData("demo-POL-liaison")]
    [InlineData("demo-school01-leader")]
    [InlineData("demo-POL-handler")]
    public async Task SchoolAdministration_ByNonAdmin_Is403_AndNothingStored(string who)
    {
        var client = await host.ClientForAsync(who);
        var before = await host.ScalarAsync<long>("SELECT COUNT(*) FROM schools");
        await MiniAppHost.AssertProblemAsync(await client.PostAsJsonAsync("/api/admin/schools", new { townId = await TownIdAsync("五常街道"), name = $"越权小学{Unique()}" }),
            HttpStatusCode.Forbidden, "forbidden");
        await MiniAppHost.AssertProblemAsync(await client.PatchAsJsonAsync($"/api/admin/schools/{await SchoolIdAsync(1)}", new { isPilot = false }), HttpStatusCode.Forbidden, "forbidden");
        await MiniAppHost.AssertProblemAsync(await client.GetAsync("/api/admin/schools"), HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(before, await host.ScalarAsync<long>("SELECT COUNT(*) FROM schools"));
        Assert.True(await host.ScalarAsync<bool>("SELECT is_pilot FROM schools WHERE id = @id", new { id = await SchoolIdAsync(1) }));
    }

    // ------------------------------------------------------------------ units and liaisons

    [Fact]
    public async Task CreateUnit_ThenSetLiaisonTwice_LeavesExactlyOneLiaison()
    {
        var admin = await host.ClientForAsync("demo-edu-admin");
        var district = await TownIdAsync("余杭区");
        var r = await admin.PostAsJsonAsync("/api/admin/units", new { lineCode = "PROP", level = "District", regionId = district, name = $"测试部门{Unique()}" });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var unit = (await MiniAppHost.JsonAsync(r)).GetProperty("id").GetInt64();

        var first = $"liaison-a-{Unique()}";
        var second = $"liaison-b-{Unique()}";
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/admin/units/{unit}/liaison", new { dingTalkUserId = first, name = "联络员甲", mobile = "13800001111" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/admin/units/{unit}/liaison", new { dingTalkUserId = second, name = "联络员乙", mobile = "13800002222" })).StatusCode);

        Assert.Equal(await UserIdAsync(second), await host.ScalarAsync<long>("SELECT user_id FROM memberships WHERE role = 'Liaison' AND unit_id = @unit", new { unit }));
        Assert.Equal(1, await host.ScalarAsync<long>("SELECT COUNT(*) FROM memberships WHERE role = 'Liaison' AND unit_id = @unit", new { unit }));
        Assert.Equal(3, await AuditCountAsync("unit", unit));

        // The new liaison can log in and sees their unit's accounts, phones masked.
        var liaison = await host.ClientForAsync(second);
        var accounts = await liaison.GetFromJsonAsync<JsonElement>($"/api/admin/units/{unit}/accounts");
        var mobiles = accounts.EnumerateArray().Select(a => a.GetProperty("mobile").GetString()).ToList();
        Assert.Contains("138****2222", mobiles);
        Assert.DoesNotContain("13800002222", await (await liaison.GetAsync($"/api/admin/units/{unit}/accounts")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SetLiaison_OnATownUnit_Is400_AndByLiaison_Is403()
    {
        var admin = await host.ClientForAsync("demo-edu-admin");
        var townUnit = await host.ScalarAsync<long>("SELECT id FROM units WHERE line_code = 'POL' AND level = 'Town' ORDER BY id LIMIT 1");
        await MiniAppHost.AssertProblemAsync(await admin.PutAsJsonAsync($"/api/admin/units/{townUnit}/liaison", new { dingTalkUserId = $"x-{Unique()}", name = "某人" }),
            HttpStatusCode.BadRequest, "unit.not_department");
        var liaison = await host.ClientForAsync("demo-POL-liaison");
        await MiniAppHost.AssertProblemAsync(await liaison.PutAsJsonAsync($"/api/admin/units/{await DistrictUnitAsync("POL")}/liaison", new { dingTalkUserId = $"x-{Unique()}", name = "某人" }),
            HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task CreateUnit_BadLevelOrRegionMismatch_Is400()
    {
        var admin = await host.ClientForAsync("demo-edu-admin");
        await MiniAppHost.AssertProblemAsync(await admin.PostAsJsonAsync("/api/admin/units", new { lineCode = "POL", level = "Province", regionId = 1, name = "某单位" }),
            HttpStatusCode.BadRequest, "unit.level_invalid");
        await MiniAppHost.AssertProblemAsync(await admin.PostAsJsonAsync("/api/admin/units", new { lineCode = "POL", level = "Town", regionId = await TownIdAsync("余杭区"), name = "某单位" }),
            HttpStatusCode.BadRequest, "unit.region_invalid");
        await MiniAppHost.AssertProblemAsync(await admin.PostAsJsonAsync("/api/admin/units", new { lineCode = "NOPE", level = "Town", regionId = await TownIdAsync("五常街道"), name = "某单位" }),
            HttpStatusCode.BadRequest, "unit.line_invalid");
    }

    // ------------------------------------------------------------------ accounts: the liaison matrix

    [Fact]
    public async Task Liaison_CreatesAndUpdatesAccountInOwnDepartment()
    {
        var liaison = await host.ClientForAsync("demo-POL-liaison");
        var polDistrict = await DistrictUnitAsync("POL");
        var polTown = await host.ScalarAsync<long>("SELECT id FROM units WHERE line_code = 'POL' AND level = 'Town' ORDER BY id LIMIT 1");
        var dingId = $"pol-staff-{Unique()}";
        var r = await liaison.PostAsJsonAsync("/api/admin/accounts", new
        {
            dingTalkUserId = dingId, name = "民警小王", mobile = "13912345678",
            roles = new[] { new { role = "Handler", unitId = polTown } },
        });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var id = (await MiniAppHost.JsonAsync(r)).GetProperty("id").GetInt64();
        Assert.Equal(1, await host.ScalarAsync<long>("SELECT COUNT(*) FROM memberships WHERE user_id = @id AND role = 'Handler' AND unit_id = @polTown", new { id, polTown }));

        // Moved to the district unit: as its head only by the admin (separation of duties), as a handler by the liaison.
        var asHead = await liaison.PatchAsJsonAsync($"/api/admin/accounts/{id}", new { name = "民警王某", roles = new[] { new { role = "UnitHead", unitId = polDistrict } } });
        Assert.Equal(HttpStatusCode.Forbidden, asHead.StatusCode);
        var u = await liaison.PatchAsJsonAsync($"/api/admin/accounts/{id}", new { name = "民警王某", roles = new[] { new { role = "Handler", unitId = polDistrict } } });
        Assert.Equal(HttpStatusCode.OK, u.StatusCode);
        Assert.Equal("Handler", await host.ScalarAsync<string>("SELECT role FROM memberships WHERE user_id = @id", new { id }));
        Assert.Equal(polDistrict, await host.ScalarAsync<long>("SELECT unit_id FROM memberships WHERE user_id = @id", new { id }));
        Assert.Equal("民警王某", await host.ScalarAsync<string>("SELECT name FROM users WHERE id = @id", new { id }));
        Assert.Equal(2, await AuditCountAsync("user", id));

        // Deactivated: the person can no longer log in.
        Assert.Equal(HttpStatusCode.OK, (await liaison.PostAsync($"/api/admin/accounts/{id}/deactivate", null)).StatusCode);
        var login = await host.Anonymous().PostAsJsonAsync("/api/auth/dev", new { dingTalkUserId = dingId });
        Assert.Equal(HttpStatusCode.Forbidden, login.StatusCode);
    }

    [Fact]
    public async Task Deactivate_AHandlerWithOpenClues_PutsThemBeforeTheUnitHead()
    {
        // A new police officer in school 12's town takes up a clue there, then is deactivated by the liaison.
        var liaison = await host.ClientForAsync("demo-POL-liaison");
        var unit = await host.ScalarAsync<long>("""
            SELECT m.unit_id FROM work_group_members m JOIN work_groups g ON g.id = m.work_group_id
             WHERE g.open_conversation_id = 'demo-cid-school12' AND m.line_code = 'POL'
            """);
        var dingId = $"pol-leaver-{Unique()}";
        var created = await liaison.PostAsJsonAsync("/api/admin/accounts", new { dingTalkUserId = dingId, name = "民警小李", roles = new[] { new { role = "Handler", unitId = unit } } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var leaver = (await MiniAppHost.JsonAsync(created)).GetProperty("id").GetInt64();

        var officer = await host.ClientForAsync("demo-school12-officer");
        var form = new MultipartFormDataContent
        {
            { new StringContent("4"), "itemNo" }, { new StringContent("放学时段校门口有可疑人员逗留"), "description" }, { new StringContent(Unique()), "idempotencyKey" },
        };
        var clueId = (await MiniAppHost.JsonAsync(await officer.PostAsync("/api/clues", form))).GetProperty("id").GetInt64();
        var accepted = await (await host.ClientForAsync(dingId)).PostAsJsonAsync($"/api/clues/{clueId}/actions", new { action = "accept", version = 1, idempotencyKey = Unique() });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await liaison.PostAsync($"/api/admin/accounts/{leaver}/deactivate", null)).StatusCode);

        var heads = await host.ScalarAsync<string>("SELECT JSON_EXTRACT(payload, '$.userIds') FROM outbox WHERE topic = 'clue.user.notice' AND JSON_EXTRACT(payload, '$.kind') = 'assignee_left' AND JSON_EXTRACT(payload, '$.clueId') = @clueId", new { clueId });
        var head = await host.ScalarAsync<long>("SELECT user_id FROM memberships WHERE unit_id = @unit AND role = 'UnitHead'", new { unit });
        Assert.Equal($"[{head}]", heads);
        Assert.False(await host.ScalarAsync<bool>("SELECT active FROM users WHERE id = @leaver", new { leaver }));
    }

    [Fact]
    public async Task Liaison_TouchingAnotherDepartmentsAccounts_Is403_AndNothingChanges()
    {
        var pol = await host.ClientForAsync("demo-POL-liaison");
        var mktDistrict = await DistrictUnitAsync("MKT");
        var mktHandler = await UserIdAsync("demo-MKT-handler");
        var nameBefore = await host.ScalarAsync<string>("SELECT name FROM users WHERE id = @mktHandler", new { mktHandler });
        var usersBefore = await host.ScalarAsync<long>("SELECT COUNT(*) FROM users");

        await MiniAppHost.AssertProblemAsync(await pol.PostAsJsonAsync("/api/admin/accounts", new
        {
            dingTalkUserId = $"mkt-{Unique()}", name = "越权创建", roles = new[] { new { role = "Handler", unitId = mktDistrict } },
        }), HttpStatusCode.Forbidden, "forbidden");
        await MiniAppHost.AssertProblemAsync(await pol.PatchAsJsonAsync($"/api/admin/accounts/{mktHandler}", new { name = "被改了" }), HttpStatusCode.Forbidden, "forbidden");
        await MiniAppHost.AssertProblemAsync(await pol.PostAsync($"/api/admin/accounts/{mktHandler}/deactivate", null), HttpStatusCode.Forbidden, "forbidden");
        await MiniAppHost.AssertProblemAsync(await pol.GetAsync($"/api/admin/units/{mktDistrict}/accounts"), HttpStatusCode.Forbidden, "forbidden");
        // Nor may a liaison give their own staff a role in another department.
        var polHandler = await UserIdAsync("demo-POL-handler");
        await MiniAppHost.AssertProblemAsync(await pol.PatchAsJsonAsync($"/api/admin/accounts/{polHandler}", new { roles = new[] { new { role = "Handler", unitId = mktDistrict } } }),
            HttpStatusCode.Forbidden, "forbidden");
        // Nor the city department of their own line: another department.
        var polCity = await host.ScalarAsync<long>("SELECT id FROM units WHERE line_code = 'POL' AND level = 'City'");
        await MiniAppHost.AssertProblemAsync(await pol.GetAsync($"/api/admin/units/{polCity}/accounts"), HttpStatusCode.Forbidden, "forbidden");
        await MiniAppHost.AssertProblemAsync(await pol.PostAsync($"/api/admin/accounts/{await UserIdAsync("demo-POL-city-handler")}/deactivate", null), HttpStatusCode.Forbidden, "forbidden");
        // A school's staff are not a department's accounts either.
        await MiniAppHost.AssertProblemAsync(await pol.PostAsync($"/api/admin/accounts/{await UserIdAsync("demo-school01-officer")}/deactivate", null), HttpStatusCode.Forbidden, "forbidden");

        Assert.Equal(nameBefore, await host.ScalarAsync<string>("SELECT name FROM users WHERE id = @mktHandler", new { mktHandler }));
        Assert.True(await host.ScalarAsync<bool>("SELECT active FROM users WHERE id = @mktHandler", new { mktHandler }));
        Assert.Equal(usersBefore, await host.ScalarAsync<long>("SELECT COUNT(*) FROM users"));
        Assert.Equal(1, await host.ScalarAsync<long>("SELECT COUNT(*) FROM memberships WHERE user_id = @polHandler", new { polHandler }));
    }

    [Fact]
    public async Task SchoolStaff_CannotManageAccounts()
    {
        var officer = await host.ClientForAsync("demo-school01-officer");
        await MiniAppHost.AssertProblemAsync(await officer.PostAsJsonAsync("/api/admin/accounts", new
        {
            dingTalkUserId = $"x-{Unique()}", name = "某人", roles = new[] { new { role = "Reporter", schoolId = await SchoolIdAsync(1) } },
        }), HttpStatusCode.Forbidden, "forbidden");
    }

    [Theory]
    [InlineData("bad id with spaces", "某人", "13912345678", "Handler", "user.dingtalk_id_invalid")]
    [InlineData("ok-id", "", "13912345678", "Handler", "user.name_invalid")]
    [InlineData("ok-id", "某人", "12345", "Handler", "user.mobile_invalid")]
    [InlineData("ok-id", "某人", "13912345678", "EduAdmin", "user.roles_invalid")]
    [InlineData("ok-id", "某人", "13912345678", "Boss", "user.roles_invalid")]
    public async Task CreateAccount_BadInput_Is400_AndNothingStored(string dingId, string name, string mobile, string role, string code)
    {
        var liaison = await host.ClientForAsync("demo-POL-liaison");
        var before = await host.ScalarAsync<long>("SELECT COUNT(*) FROM users");
        var r = await liaison.PostAsJsonAsync("/api/admin/accounts", new
        {
            dingTalkUserId = dingId == "ok-id" ? $"ok-{Unique()}" : dingId, name, mobile,
            roles = new[] { new { role, unitId = await DistrictUnitAsync("POL") } },
        });
        await MiniAppHost.AssertProblemAsync(r, HttpStatusCode.BadRequest, code);
        Assert.Equal(before, await host.ScalarAsync<long>("SELECT COUNT(*) FROM users"));
    }

    // ------------------------------------------------------------------ co-leaders, work group, gate sign

    [Fact]
    public async Task NewSchool_CoLeadersChatAndMember_ShowOnTheGateSign_WithMaskedPhones()
    {
        var admin = await host.ClientForAsync("demo-edu-admin");
        var school = (await MiniAppHost.JsonAsync(await admin.PostAsJsonAsync("/api/admin/schools", new { townId = await TownIdAsync("良渚街道"), name = $"公示牌小学{Unique()}" })))
            .GetProperty("id").GetInt64();
        async Task<long> NewStaffAsync(string name, string mobile) => (await MiniAppHost.JsonAsync(await admin.PostAsJsonAsync("/api/admin/accounts", new
        {
            dingTalkUserId = $"staff-{Unique()}", name, mobile, roles = new[] { new { role = "Reporter", schoolId = school } },
        }))).GetProperty("id").GetInt64();
        var grid = await NewStaffAsync("网格员甲", "13700001234");
        var leader = await NewStaffAsync("校长乙", "13600005678");

        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/admin/schools/{school}/co-leaders", new { gridInstructorUserId = grid, schoolLeaderUserId = leader })).StatusCode);
        var cid = $"cid-{Unique()}";
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/admin/schools/{school}/work-group", new { openConversationId = cid })).StatusCode);
        Assert.Equal(cid, await host.ScalarAsync<string>("SELECT open_conversation_id FROM work_groups WHERE school_id = @school", new { school }));
        // The same chat cannot serve two schools.
        await MiniAppHost.AssertProblemAsync(await admin.PutAsJsonAsync($"/api/admin/schools/{await SchoolIdAsync(1)}/work-group", new { openConversationId = cid }),
            HttpStatusCode.Conflict, "work_group.conversation_taken");

        // The POL liaison adds a police handler of the town as the school's police member.
        var polTownUnit = await host.ScalarAsync<long>("""
            SELECT u.id FROM units u JOIN regions r ON r.id = u.region_id WHERE u.line_code = 'POL' AND u.level = 'Town' AND r.name = '良渚街道'
            """);
        var polTownHandler = await host.ScalarAsync<long>("SELECT user_id FROM memberships WHERE unit_id = @polTownUnit AND role = 'Handler' LIMIT 1", new { polTownUnit });
        var pol = await host.ClientForAsync("demo-POL-liaison");
        Assert.Equal(HttpStatusCode.OK, (await pol.PostAsJsonAsync($"/api/admin/schools/{school}/work-group/members", new { userId = polTownHandler, unitId = polTownUnit })).StatusCode);
        // …but not a market-regulation member.
        var mktTownUnit = await host.ScalarAsync<long>("""
            SELECT u.id FROM units u JOIN regions r ON r.id = u.region_id WHERE u.line_code = 'MKT' AND u.level = 'Town' AND r.name = '良渚街道'
            """);
        var mktTownHandler = await host.ScalarAsync<long>("SELECT user_id FROM memberships WHERE unit_id = @mktTownUnit AND role = 'Handler' LIMIT 1", new { mktTownUnit });
        await MiniAppHost.AssertProblemAsync(await pol.PostAsJsonAsync($"/api/admin/schools/{school}/work-group/members", new { userId = mktTownHandler, unitId = mktTownUnit }),
            HttpStatusCode.Forbidden, "forbidden");

        var sign = await admin.GetFromJsonAsync<JsonElement>($"/api/schools/{school}/sign");
        var coLeaders = sign.GetProperty("coLeaders").EnumerateArray().ToList();
        Assert.Equal(new HashSet<string?> { "网格指导员", "校级领导" }, coLeaders.Select(c => c.GetProperty("titleZh").GetString()).ToHashSet());
        Assert.Contains(coLeaders, c => c.GetProperty("name").GetString() == "网格员甲" && c.GetProperty("phone").GetString() == "137****1234");
        var member = Assert.Single(sign.GetProperty("members").EnumerateArray());
        Assert.Equal("POL", member.GetProperty("lineCode").GetString());
        Assert.Matches(@"^1\d{2}\*{4}\d{4}$", member.GetProperty("phone").GetString());
        Assert.Contains($"schoolId%3D{school}", sign.GetProperty("reportLink").GetString());

        // Replacing the co-leaders leaves exactly two.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/admin/schools/{school}/co-leaders", new { gridInstructorUserId = leader, schoolLeaderUserId = grid })).StatusCode);
        Assert.Equal(2, await host.ScalarAsync<long>("SELECT COUNT(*) FROM memberships WHERE school_id = @school AND role = 'CoLeader'", new { school }));

        // Removal by the liaison, audited.
        Assert.Equal(HttpStatusCode.OK, (await pol.DeleteAsync($"/api/admin/schools/{school}/work-group/members/POL/{polTownHandler}")).StatusCode);
        var group = await host.ScalarAsync<long>("SELECT id FROM work_groups WHERE school_id = @school", new { school });
        Assert.Equal(3, await AuditCountAsync("work_group", group));
    }

    [Fact]
    public async Task SetCoLeaders_SamePersonTwice_Is400()
    {
        var admin = await host.ClientForAsync("demo-edu-admin");
        var someone = await UserIdAsync("demo-school01-leader");
        await MiniAppHost.AssertProblemAsync(await admin.PutAsJsonAsync($"/api/admin/schools/{await SchoolIdAsync(1)}/co-leaders", new { gridInstructorUserId = someone, schoolLeaderUserId = someone }),
            HttpStatusCode.BadRequest, "work_group.co_leaders_invalid");
    }

    [Fact]
    public async Task GateSign_OwnSchoolAndWorkGroupMember_See_OtherSchoolsStaff_Is403()
    {
        var school1 = await SchoolIdAsync(1);
        var officer = await host.ClientForAsync("demo-school01-officer");
        var r = await officer.GetAsync($"/api/schools/{school1}/sign");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var body = await r.Content.ReadAsStringAsync();
        var sign = JsonDocument.Parse(body).RootElement;
        Assert.Equal(2, sign.GetProperty("coLeaders").GetArrayLength());
        Assert.True(sign.GetProperty("members").GetArrayLength() >= 7);
        Assert.All(sign.GetProperty("members").EnumerateArray(), m => Assert.Matches(@"^139\*{4}\d{4}$", m.GetProperty("phone").GetString()));
        Assert.DoesNotMatch(@"1\d{10}", body);

        var polMember = await host.ScalarAsync<string>("""
            SELECT u.dingtalk_user_id FROM work_group_members m JOIN work_groups g ON g.id = m.work_group_id JOIN users u ON u.id = m.user_id
             WHERE g.open_conversation_id = 'demo-cid-school01' AND m.line_code = 'POL'
            """);
        Assert.Equal(HttpStatusCode.OK, (await (await host.ClientForAsync(polMember)).GetAsync($"/api/schools/{school1}/sign")).StatusCode);

        var other = await host.ClientForAsync("demo-school02-officer");
        await MiniAppHost.AssertProblemAsync(await other.GetAsync($"/api/schools/{school1}/sign"), HttpStatusCode.Forbidden, "forbidden");
        await MiniAppHost.AssertProblemAsync(await other.GetAsync("/api/schools/999999999/sign"), HttpStatusCode.NotFound, "school.not_found");
    }
}
