using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using SchoolSafety.IntegrationTests.Infrastructure;

namespace SchoolSafety.IntegrationTests.MiniApp;

[Collection(DatabaseCollection.Name)]
public sealed class GuidanceApiTests(MiniAppHost host) : IClassFixture<MiniAppHost>
{
    private Task<long> SchoolIdAsync(int demoNo) =>
        host.ScalarAsync<long>("SELECT school_id FROM work_groups WHERE open_conversation_id = @cid", new { cid = $"demo-cid-school{demoNo:D2}" });

    /// <summary>The town unit of a line serving demo school N, and the DingTalk id of one of its people in a role.</summary>
    private async Task<(long Unit, string DingTalkId)> TownUnitAsync(int demoNo, string line, string role = "Handler")
    {
        var unit = await host.ScalarAsync<long>("""
            SELECT m.unit_id FROM work_group_members m JOIN work_groups g ON g.id = m.work_group_id
             WHERE g.open_conversation_id = @cid AND m.line_code = @line
            """, new { cid = $"demo-cid-school{demoNo:D2}", line });
        var who = await host.ScalarAsync<string>("""
            SELECT u.dingtalk_user_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.unit_id = @unit AND m.role = @role ORDER BY m.id LIMIT 1
            """, new { unit, role });
        return (unit, who);
    }

    private static string Today() => DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)).ToString("yyyy-MM-dd");
    private static string InDays(int days) => DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8)).AddDays(days).ToString("yyyy-MM-dd");

    /// <summary>Uploads small photos as the mini-app does before it names them (POST /api/photos).</summary>
    private static async Task<List<string>> UploadAsync(HttpClient client, int count)
    {
        var form = new MultipartFormDataContent();
        for (var i = 0; i < count; i++)
            form.Add(new ByteArrayContent(SchoolSafety.Core.Tests.Photos.TestImages.Encode(40, 30, SkiaSharp.SKEncodedImageFormat.Jpeg)), "photos", $"p{i}.jpg");
        var r = await client.PostAsync("/api/photos", form);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        return (await MiniAppHost.JsonAsync(r)).GetProperty("keys").EnumerateArray().Select(k => k.GetString()!).ToList();
    }

    [Fact]
    public async Task Create_WithoutFindings_EndsAtOnce()
    {
        var (pol, polHandler) = await TownUnitAsync(1, "POL");
        var client = await host.ClientForAsync(polHandler);
        var keys = await UploadAsync(client, 2);
        var r = await client.PostAsJsonAsync("/api/guidance", new
        {
            schoolId = await SchoolIdAsync(1), unitId = pol, kind = "Publicity", date = Today(),
            summary = "开学第一课：交通安全宣传", attendees = "派出所民警 2 人，学校安全负责人", photoIds = keys, findings = Array.Empty<object>(),
        });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var g = await MiniAppHost.JsonAsync(r);
        Assert.Equal("Closed", g.GetProperty("state").GetString());
        Assert.Equal("宣传教育", g.GetProperty("kindZh").GetString());
        Assert.Equal(keys, g.GetProperty("photoIds").EnumerateArray().Select(p => p.GetString()!).ToList());
        // The photos are shown through signed links, like a clue's.
        var thumb = g.GetProperty("photos")[0].GetProperty("thumbnail").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await host.Anonymous().GetAsync(thumb)).StatusCode);
    }

    [Fact]
    public async Task Findings_SubmitSendBackResubmitAccept_RecordEndsWhenEveryFindingIsClosed()
    {
        var (pol, polHandler) = await TownUnitAsync(1, "POL");
        var (_, polHead) = await TownUnitAsync(1, "POL", "UnitHead");
        var (mkt, mktHandler) = await TownUnitAsync(1, "MKT");
        var creator = await host.ClientForAsync(polHandler);
        var created = await creator.PostAsJsonAsync("/api/guidance", new
        {
            schoolId = await SchoolIdAsync(1), unitId = pol, kind = "Inspection", date = Today(), summary = "校园周边治安检查", attendees = "民警两人",
            findings = new object[]
            {
                new { description = "门卫室一键报警装置损坏", assignee = "School", deadline = InDays(7) },
                new { description = "校门口流动摊贩占道", assignee = "Unit", unitId = mkt, deadline = InDays(14) },
            },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var record = await MiniAppHost.JsonAsync(created);
        var id = record.GetProperty("id").GetInt64();
        Assert.Equal("Open", record.GetProperty("state").GetString());
        var findings = record.GetProperty("findings").EnumerateArray().ToList();
        var schoolFinding = findings[0].GetProperty("id").GetInt64();
        var unitFinding = findings[1].GetProperty("id").GetInt64();

        var officer = await host.ClientForAsync("demo-school01-officer");
        // The creator cannot verify before evidence arrives; the school cannot act on the unit's finding.
        await MiniAppHost.AssertProblemAsync(await creator.PostAsync($"/api/guidance/findings/{schoolFinding}/accept", null), HttpStatusCode.Conflict, "guidance.finding_state");
        await MiniAppHost.AssertProblemAsync(await officer.PostAsJsonAsync($"/api/guidance/findings/{unitFinding}/evidence", new { note = "已处理" }), HttpStatusCode.Forbidden, "forbidden");
        // …nor verify its own evidence.
        Assert.Equal(HttpStatusCode.OK, (await officer.PostAsJsonAsync($"/api/guidance/findings/{schoolFinding}/evidence", new { note = "已报修", photoIds = await UploadAsync(officer, 1) })).StatusCode);
        await MiniAppHost.AssertProblemAsync(await officer.PostAsync($"/api/guidance/findings/{schoolFinding}/accept", null), HttpStatusCode.Forbidden, "forbidden");

        await MiniAppHost.AssertProblemAsync(await creator.PostAsJsonAsync($"/api/guidance/findings/{schoolFinding}/send-back", new { reason = "" }), HttpStatusCode.BadRequest, "guidance.reason_required");
        var back = await MiniAppHost.JsonAsync(await creator.PostAsJsonAsync($"/api/guidance/findings/{schoolFinding}/send-back", new { reason = "未见维修后的照片" }));
        var sentBack = back.GetProperty("findings").EnumerateArray().First();
        Assert.Equal("Open", sentBack.GetProperty("state").GetString());
        Assert.Equal("未见维修后的照片", sentBack.GetProperty("returnedReason").GetString());
        Assert.Equal(1, sentBack.GetProperty("returnCount").GetInt32());

        Assert.Equal(HttpStatusCode.OK, (await officer.PostAsJsonAsync($"/api/guidance/findings/{schoolFinding}/evidence", new { note = "已维修并测试", photoIds = await UploadAsync(officer, 1) })).StatusCode);
        var accepted = await MiniAppHost.JsonAsync(await creator.PostAsync($"/api/guidance/findings/{schoolFinding}/accept", null));
        Assert.Equal("Open", accepted.GetProperty("state").GetString());

        // The assigned unit submits; a colleague of the creator (the same unit's head) accepts; the record ends.
        var mktClient = await host.ClientForAsync(mktHandler);
        Assert.Equal(HttpStatusCode.OK, (await mktClient.GetAsync($"/api/guidance/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await mktClient.PostAsJsonAsync($"/api/guidance/findings/{unitFinding}/evidence", new { note = "已劝离并设置禁摆区" })).StatusCode);
        var done = await MiniAppHost.JsonAsync(await (await host.ClientForAsync(polHead)).PostAsync($"/api/guidance/findings/{unitFinding}/accept", null));
        Assert.Equal("Closed", done.GetProperty("state").GetString());
        Assert.Equal("已完成", done.GetProperty("stateZh").GetString());
        Assert.Equal("Closed", await host.ScalarAsync<string>("SELECT state FROM guidance_records WHERE id = @id", new { id }));
        await MiniAppHost.AssertProblemAsync(await creator.PostAsync($"/api/guidance/findings/{unitFinding}/accept", null), HttpStatusCode.Conflict, "guidance.finding_state");
    }

    [Fact]
    public async Task AnotherSchoolsStaff_NeverSeeTheRecord()
    {
        var (pol, polHandler) = await TownUnitAsync(1, "POL");
        var creator = await host.ClientForAsync(polHandler);
        var created = await MiniAppHost.JsonAsync(await creator.PostAsJsonAsync("/api/guidance", new
        {
            schoolId = await SchoolIdAsync(1), unitId = pol, kind = "BusinessGuidance", date = Today(), summary = "指导护学岗设置", attendees = "民警",
            findings = new[] { new { description = "护学岗标识缺失", assignee = "School", deadline = InDays(3) } },
        }));
        var id = created.GetProperty("id").GetInt64();
        var finding = created.GetProperty("findings")[0].GetProperty("id").GetInt64();

        Assert.Equal(HttpStatusCode.OK, (await (await host.ClientForAsync("demo-school01-leader")).GetAsync($"/api/guidance/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await (await host.ClientForAsync("demo-edu-admin")).GetAsync($"/api/guidance/{id}")).StatusCode);

        var other = await host.ClientForAsync("demo-school02-officer");
        await MiniAppHost.AssertProblemAsync(await other.GetAsync($"/api/guidance/{id}"), HttpStatusCode.Forbidden, "forbidden");
        var list = await other.GetFromJsonAsync<JsonElement>("/api/guidance?pageSize=100");
        Assert.DoesNotContain(list.EnumerateArray(), r => r.GetProperty("id").GetInt64() == id);
        await MiniAppHost.AssertProblemAsync(await other.PostAsJsonAsync($"/api/guidance/findings/{finding}/evidence", new { note = "冒充" }), HttpStatusCode.NotFound, "guidance.finding_not_found");
        Assert.Equal("Open", await host.ScalarAsync<string>("SELECT state FROM guidance_findings WHERE id = @finding", new { finding }));

        var own = await (await host.ClientForAsync("demo-school01-officer")).GetFromJsonAsync<JsonElement>("/api/guidance?pageSize=100");
        Assert.Contains(own.EnumerateArray(), r => r.GetProperty("id").GetInt64() == id);
        Assert.All(own.EnumerateArray(), r => Assert.Equal(created.GetProperty("schoolId").GetInt64(), r.GetProperty("schoolId").GetInt64()));
    }

    [Fact]
    public async Task Create_ForAnotherUnit_Is403_AndNothingStored()
    {
        var (mkt, _) = await TownUnitAsync(1, "MKT");
        var (_, polHandler) = await TownUnitAsync(1, "POL");
        var before = await host.ScalarAsync<long>("SELECT COUNT(*) FROM guidance_records");
        var r = await (await host.ClientForAsync(polHandler)).PostAsJsonAsync("/api/guidance", new
        {
            schoolId = await SchoolIdAsync(1), unitId = mkt, kind = "Inspection", date = Today(), summary = "冒名检查", attendees = "某人", findings = Array.Empty<object>(),
        });
        await MiniAppHost.AssertProblemAsync(r, HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(before, await host.ScalarAsync<long>("SELECT COUNT(*) FROM guidance_records"));
    }

    public static TheoryData<string, string> BadRecords => new()
    {
        { """{"kind":"Visit","summary":"s","attendees":"a","findings":[]}""", "guidance.kind_invalid" },
        { """{"kind":"Inspection","summary":" ","attendees":"a","findings":[]}""", "guidance.summary_required" },
        { """{"kind":"Inspection","summary":"s","attendees":"","findings":[]}""", "guidance.attendees_required" },
        { """{"kind":"Inspection","summary":"s","attendees":"a","findings":[],"date":"2999-01-01"}""", "guidance.date_future" },
        { """{"kind":"Inspection","summary":"s","attendees":"a","findings":[{"description":"d","assignee":"School","deadline":"2021-01-01"}]}""", "guidance.deadline_invalid" },
        { """{"kind":"Inspection","summary":"s","attendees":"a","findings":[{"description":"d","assignee":"Unit","deadline":"2999-01-01"}]}""", "guidance.assignee_invalid" },
        { """{"kind":"Inspection","summary":"s","attendees":"a","findings":[{"description":"","assignee":"School","deadline":"2999-01-01"}]}""", "guidance.finding_required" },
        { """{"kind":"Inspection","summary":"s","attendees":"a","findings":[],"photoIds":["1","2","3","4","5","6","7","8","9","10"]}""", "guidance.too_many_photos" },
        { """{"kind":"Inspection","summary":"s","attendees":"a","findings":[],"photoIds":["../etc/passwd"]}""", "guidance.photo_invalid" },
    };

    [Theory]
    [MemberData(nameof(BadRecords))]
    public async Task Create_BadInput_Is400InChinese_AndNothingStored(string json, string code)
    {
        var (pol, polHandler) = await TownUnitAsync(1, "POL");
        var body = JsonDocument.Parse(json).RootElement;
        var fields = body.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value);
        fields["schoolId"] = await SchoolIdAsync(1);
        fields["unitId"] = pol;
        fields.TryAdd("date", Today());
        var before = await host.ScalarAsync<long>("SELECT COUNT(*) FROM guidance_records");
        var r = await (await host.ClientForAsync(polHandler)).PostAsJsonAsync("/api/guidance", fields);
        await MiniAppHost.AssertProblemAsync(r, HttpStatusCode.BadRequest, code);
        Assert.Equal(before, await host.ScalarAsync<long>("SELECT COUNT(*) FROM guidance_records"));
    }
}
