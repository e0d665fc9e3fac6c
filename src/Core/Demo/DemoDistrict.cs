using Dapper;
using Microsoft.Extensions.Logging;
using MySqlConnector;
using SchoolSafety.Core.Organisation;

namespace SchoolSafety.Core.Demo;

/// <summary>
/// A demo 余杭区 for local runs: its 7 streets and 5 towns, 20 primary schools (4 pilots), the 13
/// departments with district and city units, town units of the police, market regulation, law
/// enforcement and the town governments, one liaison, head and handler each, and a work group per
/// school. Every write is an upsert on a natural key, so loading it twice changes nothing.
/// Loaded only when asked for (<c>SchoolSafety:LoadDemo=true</c>, which the run command sets).
/// </summary>
public sealed partial class DemoDistrict(MySqlDataSource db, OrganisationStore org, ILogger<DemoDistrict> logger)
{
    public const string City = "杭州市";
    public const string District = "余杭区";
    public static readonly string[] Streets = ["五常街道", "仓前街道", "余杭街道", "闲林街道", "中泰街道", "仁和街道", "良渚街道"];
    public static readonly string[] Towns = ["瓶窑镇", "径山镇", "黄湖镇", "鸬鸟镇", "百丈镇"];

    /// <summary>(town, school name, pilot).</summary>
    public static readonly (string Town, string Name, bool Pilot)[] Schools =
    [
        ("五常街道", "五常中心小学", true), ("五常街道", "五常第二小学", false),
        ("仓前街道", "仓前中心小学", true), ("仓前街道", "仓前第二小学", false), ("仓前街道", "梦想小镇小学", false),
        ("余杭街道", "余杭中心小学", false), ("余杭街道", "余杭第二小学", false),
        ("闲林街道", "闲林中心小学", true), ("闲林街道", "闲林第二小学", false),
        ("中泰街道", "中泰中心小学", false),
        ("仁和街道", "仁和中心小学", false), ("仁和街道", "仁和第二小学", false),
        ("良渚街道", "良渚中心小学", true), ("良渚街道", "良渚第二小学", false), ("良渚街道", "良渚文化村小学", false),
        ("瓶窑镇", "瓶窑中心小学", false), ("径山镇", "径山中心小学", false), ("黄湖镇", "黄湖中心小学", false),
        ("鸬鸟镇", "鸬鸟中心小学", false), ("百丈镇", "百丈中心小学", false),
    ];

    /// <summary>Department lines with a town-level unit (their town unit's name suffix).</summary>
    private static readonly (string Line, string Suffix)[] TownUnits = [("POL", "派出所"), ("MKT", "市场监管所"), ("ENF", "综合执法中队")];

    /// <summary>Lines whose district staff sit in every school's work group (no town unit of their own).</summary>
    private static readonly string[] DistrictMemberLines = ["EDU", "FIRE", "HEALTH"];

    private const string LinesSql = "SELECT code AS Code, name_zh AS NameZh, city_name_zh AS CityNameZh FROM org_lines WHERE is_town_line = 0 ORDER BY code";

    private sealed record LineRow(string Code, string NameZh, string? CityNameZh);

    public async Task LoadAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var names = new NameMaker();

        var city = await org.UpsertRootRegionAsync(conn, tx, City, ct);
        var district = await org.UpsertRegionAsync(conn, tx, city, RegionLevel.District, District, null, ct);
        var towns = new Dictionary<string, long>();
        foreach (var t in Streets.Concat(Towns))
            towns[t] = await org.UpsertRegionAsync(conn, tx, district, RegionLevel.Town, t, t.EndsWith("街道") ? "Street" : "Town", ct);

        // District and city units of the 13 departments, each with a liaison, a head and a handler.
        var districtHandlers = new Dictionary<string, (long Unit, long User)>();
        var lines = (await conn.QueryAsync<LineRow>(new CommandDefinition(LinesSql, transaction: tx, cancellationToken: ct))).AsList();
        foreach (var line in lines)
        {
            var unit = await org.UpsertUnitAsync(conn, tx, line.Code, UnitLevel.District, district, line.NameZh, ct);
            var liaison = await User(conn, tx, $"demo-{line.Code}-liaison", names, ct);
            await org.AddMembershipAsync(conn, tx, liaison, Role.Liaison, ct, unitId: unit);
            await org.AddMembershipAsync(conn, tx, liaison, Role.Handler, ct, unitId: unit);
            await org.AddMembershipAsync(conn, tx, await User(conn, tx, $"demo-{line.Code}-head", names, ct), Role.UnitHead, ct, unitId: unit);
            var handler = await User(conn, tx, $"demo-{line.Code}-handler", names, ct);
            await org.AddMembershipAsync(conn, tx, handler, Role.Handler, ct, unitId: unit);
            districtHandlers[line.Code] = (unit, handler);

            var cityUnit = await org.UpsertUnitAsync(conn, tx, line.Code, UnitLevel.City, city, line.CityNameZh ?? line.NameZh, ct);
            await org.AddMembershipAsync(conn, tx, await User(conn, tx, $"demo-{line.Code}-city-head", names, ct), Role.UnitHead, ct, unitId: cityUnit);
            await org.AddMembershipAsync(conn, tx, await User(conn, tx, $"demo-{line.Code}-city-handler", names, ct), Role.Handler, ct, unitId: cityUnit);
        }

        // The district task force office at the Education Bureau: the admins, and where the towns' own items escalate.
        var office = await org.UpsertUnitAsync(conn, tx, "EDU", UnitLevel.District, district, "区教育局护校安园专班办公室", ct, isTaskForceOffice: true);
        var admin = await User(conn, tx, "demo-edu-admin", names, ct);
        await org.AddMembershipAsync(conn, tx, admin, Role.EduAdmin, ct);
        await org.AddMembershipAsync(conn, tx, admin, Role.Handler, ct, unitId: office);
        await org.AddMembershipAsync(conn, tx, await User(conn, tx, "demo-edu-office-head", names, ct), Role.UnitHead, ct, unitId: office);
        foreach (var item in new[] { 19, 20, 21, 22 })
            await org.SetEscalationUnitAsync(conn, tx, item, office, ct);

        // Town-level units: police stations, market regulation offices, law enforcement squads, and the town governments.
        var townHandlers = new Dictionary<(string Town, string Line), (long Unit, long User)>();
        foreach (var (town, region) in towns)
        {
            var shortName = town.EndsWith("街道") ? town[..^2] : town[..^1];
            var units = TownUnits.Select(u => (u.Line, Name: shortName + u.Suffix))
                .Append(("TOWN", town.EndsWith("街道") ? town + "办事处" : town + "人民政府"));
            foreach (var (line, name) in units)
            {
                var unit = await org.UpsertUnitAsync(conn, tx, line, UnitLevel.Town, region, name, ct);
                var handler = await User(conn, tx, $"demo-{line}-{region}-handler", names, ct);
                await org.AddMembershipAsync(conn, tx, handler, Role.Handler, ct, unitId: unit);
                await org.AddMembershipAsync(conn, tx, await User(conn, tx, $"demo-{line}-{region}-head", names, ct), Role.UnitHead, ct, unitId: unit);
                townHandlers[(town, line)] = (unit, handler);
            }
        }

        // Schools, their staff and their work groups.
        for (var i = 0; i < Schools.Length; i++)
        {
            var (town, name, pilot) = Schools[i];
            var school = await org.UpsertSchoolAsync(conn, tx, towns[town], $"{District}{name}", pilot, pilot ? 1 : 2, ct);
            var officer = await User(conn, tx, $"demo-school{i + 1:D2}-officer", names, ct);
            await org.AddMembershipAsync(conn, tx, officer, Role.Reporter, ct, schoolId: school);
            var leader = await User(conn, tx, $"demo-school{i + 1:D2}-leader", names, ct);
            await org.AddMembershipAsync(conn, tx, leader, Role.CoLeader, ct, schoolId: school, title: "SchoolLeader");
            await org.AddMembershipAsync(conn, tx, leader, Role.Reporter, ct, schoolId: school);
            var grid = await User(conn, tx, $"demo-school{i + 1:D2}-grid", names, ct);
            await org.AddMembershipAsync(conn, tx, grid, Role.CoLeader, ct, schoolId: school, title: "GridInstructor");

            var group = await org.UpsertWorkGroupAsync(conn, tx, school, $"{name}护校安园工作组", $"demo-cid-school{i + 1:D2}", ct);
            foreach (var line in TownUnits.Select(u => u.Line).Append("TOWN"))
            {
                var (unit, user) = townHandlers[(town, line)];
                await org.AddWorkGroupMemberAsync(conn, tx, group, line, user, unit, ct);
            }
            foreach (var line in DistrictMemberLines)
            {
                var (unit, user) = districtHandlers[line];
                await org.AddWorkGroupMemberAsync(conn, tx, group, line, user, unit, ct);
            }
        }
        await tx.CommitAsync(ct);
        Log.Loaded(logger, District, Schools.Length);
    }

    private Task<long> User(MySqlConnection conn, MySqlTransaction tx, string dingTalkId, NameMaker names, CancellationToken ct)
    {
        var (name, mobile) = names.For(dingTalkId);
        return org.UpsertUserAsync(conn, tx, dingTalkId, $"union-{dingTalkId}", name, mobile, ct);
    }

    /// <summary>Deterministic made-up names and phone numbers (the same id always gets the same person).</summary>
    private sealed class NameMaker
    {
        private const string Surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾";
        private const string Given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玲红建国志新晓东海燕";

        public (string Name, string Mobile) For(string id)
        {
            var h = (uint)id.Aggregate(17, (acc, c) => unchecked(acc * 31 + c));
            var name = $"{Surnames[(int)(h % Surnames.Length)]}{Given[(int)(h / 7 % Given.Length)]}{Given[(int)(h / 131 % Given.Length)]}";
            return (name, $"139{h % 100_000_000:D8}");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Demo district {District} loaded: {Schools} schools")]
        public static partial void Loaded(ILogger logger, string district, int schools);
    }
}
