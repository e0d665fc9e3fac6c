using System.Data;
using System.Diagnostics;
using System.Globalization;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;
using SchoolSafety.Core.Data;
using SchoolSafety.Core.Clues;

namespace SchoolSafety.Bench;

/// <summary>What <see cref="Province.GenerateAsync"/> made, and where.</summary>
public sealed record ProvinceInfo(
    string ConnectionString, string Database, int Cities, int Districts, int Towns, int Schools, int Units, int Users,
    long Clues, long Events, long Open, long Guidance, long Findings, long Audit, DateTime EndUtc, TimeSpan Took)
{
    public override string ToString() =>
        $"province {Database}: {Cities} cities, {Districts} districts, {Towns} towns, {Schools:N0} schools, {Units:N0} units, {Users:N0} staff; " +
        $"{Clues:N0} clues ({Open:N0} open), {Events:N0} timeline events, {Guidance:N0} guidance records ({Findings:N0} findings), " +
        $"{Audit:N0} audit rows; ends {EndUtc:yyyy-MM-dd}; loaded in {Took.TotalSeconds:0} s";
}

/// <summary>
/// A generated province for the scale benchmarks (issues 8 and 11): 11 cities, 90 districts of 12 towns,
/// 5,000 primary schools, ~100,000 staff (school officers and co-leaders; handlers and heads of the town,
/// district and city units; one liaison per district department), a work group per school with a member
/// for each of the 14 lines, and N clues (default 1,000,000) over the five years before <c>endUtc</c>, each
/// with a consistent timeline (report, accept, escalate, return, dispatch to the four platforms, urge,
/// comment, supervise, resolve or withdraw; ~5 events per clue; a resolved clue's 回访 rating), ~5 % of them open (most of the recent
/// ones and a tail of old overdue ones), 10 guidance visits per school with their findings, and one
/// audit row per clue read.
/// <para>
/// It lives in a database of its own (default <c>{bench database}_province</c>), created with every
/// migration (so every index the migrations define) and bulk-loaded with <c>LOAD DATA LOCAL INFILE</c>
/// (<see cref="MySqlBulkCopy"/>); the same seed, size and end date give the same rows. <see cref="RemoveAsync"/>
/// drops the database, which frees its disk at once.
/// </para>
/// </summary>
public static class Province
{
    public const int DefaultSeed = 11;
    public const int DefaultClues = 1_000_000;

    public const int CityCount = 11;
    public const int DistrictCount = 90;
    public const int TownsPerDistrict = 12;
    public const int TownCount = DistrictCount * TownsPerDistrict;
    public const int SchoolCount = 5_000;
    public const int TownHandlers = 12;
    public const int DistrictHandlers = 19;
    public const int Years = 5;
    /// <summary>Users whose DingTalk id starts with this are the province's (the admin is <c>prov-admin</c>).</summary>
    public const string UserPrefix = "prov-";

    private static readonly string[] CityNames = ["杭州市", "宁波市", "温州市", "嘉兴市", "湖州市", "绍兴市", "金华市", "衢州市", "舟山市", "台州市", "丽水市"];

    /// <summary>The 13 department lines with district units, in the order their unit ids are laid out.</summary>
    private static readonly string[] DistrictLines = ["EDU", "PROP", "PLC", "POL", "TRANS", "FW", "CULT", "HEALTH", "EMER", "MKT", "ENF", "FIRE", "ECO"];
    /// <summary>The lines with town units (the towns' own line last).</summary>
    private static readonly (string Line, string Suffix)[] TownLines = [("POL", "派出所"), ("MKT", "市场监管所"), ("ENF", "综合执法中队"), ("TOWN", "")];

    /// <summary>The 22 items' owner lines (V0019) and how often each is reported (relative).</summary>
    private static readonly string[] ItemLine = ["", "PLC", "EDU", "EDU", "POL", "POL", "ECO", "ECO", "TRANS", "TRANS", "FW", "CULT", "CULT", "HEALTH", "EMER", "EMER", "MKT", "FIRE", "ENF", "TOWN", "TOWN", "TOWN", "TOWN"];
    private static readonly int[] ItemWeight = [0, 3, 8, 1, 12, 8, 2, 2, 6, 4, 2, 2, 1, 5, 3, 3, 9, 6, 10, 4, 3, 3, 3];

    private static readonly string[] Descriptions =
    [
        "校门口有无证摊贩占道经营", "上下学时段校门前车辆乱停放", "学校周边道路缺少减速带和斑马线", "校园围墙出现裂缝有倒塌风险",
        "教学楼消防通道被杂物堵塞", "食堂后厨卫生条件较差", "校园周边网吧接纳未成年人", "学校附近河道护栏缺失",
        "周边工地夜间施工噪音扰民", "校门口流动摊点售卖三无食品", "学校附近有人员聚集滋事", "校车停靠点无遮挡设施",
    ];
    private static readonly string[] Locations = ["校门口", "学校东侧路口", "学校围墙外", "校内操场", "食堂后门", "学校北门"];
    private static readonly string[] Notes = ["请尽快处理", "已现场查看", "正在协调相关部门", "已电话联系学校", "请加强巡查"];

    private static readonly string[] ClueColumns =
    [
        "id", "number", "school_id", "town_id", "item_no", "line_code", "description", "location", "reporter_user_id", "created_at",
        "updated_at", "state", "tier", "unit_id", "assignee_user_id", "unrouted", "due_at", "escalated_from_unit_id", "escalated_from_tier",
        "city_escalation_barred", "dispatching_unit_id", "grid_event_id", "supervised", "supervision_due_at", "resolved_at",
        "resolved_unit_id", "resolved_tier", "version", "rating", "rated_at", "rating_due_at",
    ];
    private static readonly string[] EventColumns =
    [
        "id", "clue_id", "action", "actor_user_id", "actor_label", "occurred_at", "from_state", "to_state", "from_unit_id",
        "to_unit_id", "from_tier", "to_tier", "version", "note",
    ];

    /// <summary>The province's database name beside the bench database of <paramref name="benchConnectionString"/>.</summary>
    public static string DatabaseFor(string benchConnectionString) => new MySqlConnectionStringBuilder(benchConnectionString).Database + "_province";

    /// <summary>The connection string of the province's database (loading needs <c>AllowLoadLocalInfile</c>; reading does not mind it).</summary>
    public static string ConnectionStringFor(string benchConnectionString, string? database = null) =>
        new MySqlConnectionStringBuilder(benchConnectionString)
        {
            Database = database ?? DatabaseFor(benchConnectionString), AllowLoadLocalInfile = true, DefaultCommandTimeout = 600,
        }.ConnectionString;

    /// <summary>
    /// Drops and re-creates the province's database, applies every migration and loads the province.
    /// <paramref name="endUtc"/> (default: today 00:00 UTC) is the end of its five years: clues open near it.
    /// </summary>
    public static async Task<ProvinceInfo> GenerateAsync(string benchConnectionString, int clues = DefaultClues, int seed = DefaultSeed,
        DateTime? endUtc = null, string? database = null, TextWriter? log = null, CancellationToken ct = default)
    {
        var sw = Stopwatch.StartNew();
        database ??= DatabaseFor(benchConnectionString);
        var end = endUtc ?? DateTime.UtcNow.Date;
        end = DateTime.SpecifyKind(end, DateTimeKind.Utc);
        await RemoveAsync(benchConnectionString, database, ct);
        await using (var admin = new MySqlConnection(benchConnectionString))
        {
            await admin.OpenAsync(ct);
            await admin.ExecuteAsync(new CommandDefinition($"CREATE DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", cancellationToken: ct));
        }
        var cs = ConnectionStringFor(benchConnectionString, database);
        await using var source = new MySqlDataSourceBuilder(cs).Build();
        await new SchemaMigrator(source, NullLogger<SchemaMigrator>.Instance).MigrateAsync(ct);

        await using var conn = await source.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition("SET foreign_key_checks = 0, unique_checks = 0", cancellationToken: ct));
        // The big tables load without their secondary indexes, which are then built once each by sorting (far
        // faster than keeping a dozen indexes up to date row by row in a small buffer pool); the schema is
        // checked to be exactly the migrations' afterwards.
        var bigTables = new[] { "clues", "clue_events", "audit_log" };
        var schema = new Dictionary<string, string>();
        var dropped = new Dictionary<string, List<string>>();
        foreach (var t in bigTables)
        {
            schema[t] = await CreateTableAsync(conn, t, ct);
            dropped[t] = await DropSecondaryIndexesAsync(conn, t, ct);
        }
        var g = new Generator(seed, clues, end, conn, log ?? TextWriter.Null);
        await g.OrganisationAsync(ct);
        await g.CluesAsync(ct);
        await g.GuidanceAsync(ct);
        foreach (var t in bigTables)
        {
            if (dropped[t].Count > 0)
                await conn.ExecuteAsync(new CommandDefinition($"ALTER TABLE {t} {string.Join(", ", dropped[t])}", commandTimeout: 3600, cancellationToken: ct));
            if (await CreateTableAsync(conn, t, ct) != schema[t])
                throw new InvalidOperationException($"{t}: the indexes rebuilt after loading differ from the migrations'");
        }
        (log ?? TextWriter.Null).WriteLine($"province: indexes built in {sw.Elapsed.TotalSeconds:0} s");
        // Loaded past the product, so summarised as a bulk load is (the statistics' daily summary, issue 11).
        await new ClueStore().SummariseAllAsync(conn, ct);
        (log ?? TextWriter.Null).WriteLine($"province: statistics summary built in {sw.Elapsed.TotalSeconds:0} s");
        // The lists' units of each clue's timeline (clue_units, issue 11), likewise.
        await new ClueStore().RecordAllUnitsAsync(conn, ct);
        (log ?? TextWriter.Null).WriteLine($"province: the timelines' units recorded in {sw.Elapsed.TotalSeconds:0} s");
        await conn.ExecuteAsync(new CommandDefinition("SET foreign_key_checks = 1, unique_checks = 1", cancellationToken: ct));
        foreach (var t in new[] { "clues", "clue_events", "clue_units", "audit_log", "memberships", "users", "schools", "units", "regions", "guidance_records", "guidance_findings", "work_group_members" })
            await conn.ExecuteAsync(new CommandDefinition($"ANALYZE TABLE {t}", commandTimeout: 600, cancellationToken: ct));
        return new ProvinceInfo(cs, database, CityCount, DistrictCount, TownCount, SchoolCount, g.UnitCount, g.UserCount,
            clues, g.EventCount, g.OpenCount, g.GuidanceCount, g.FindingCount, g.AuditCount, end, sw.Elapsed);
    }

    /// <summary>The table's definition with its lines in order (index order aside), to compare before and after a rebuild.</summary>
    private static async Task<string> CreateTableAsync(MySqlConnection conn, string table, CancellationToken ct)
    {
        var row = await conn.QuerySingleAsync(new CommandDefinition($"SHOW CREATE TABLE {table}", cancellationToken: ct));
        var text = System.Text.RegularExpressions.Regex.Replace((string)((IDictionary<string, object>)row)["Create Table"], @" AUTO_INCREMENT=\d+", "");
        return string.Join("\n", text.Split('\n').Select(l => l.Trim().TrimEnd(',')).Order(StringComparer.Ordinal));
    }

    /// <summary>Drops each secondary index a foreign key does not need; returns the clauses that add them back.</summary>
    private static async Task<List<string>> DropSecondaryIndexesAsync(MySqlConnection conn, string table, CancellationToken ct)
    {
        var columns = await conn.QueryAsync<(string Index, bool NonUnique, string Column, long? SubPart)>(new CommandDefinition("""
            SELECT index_name, non_unique = 1, column_name, sub_part FROM information_schema.statistics
             WHERE table_schema = DATABASE() AND table_name = @Table AND index_name <> 'PRIMARY'
             ORDER BY index_name, seq_in_index
            """, new { Table = table }, cancellationToken: ct));
        var add = new List<string>();
        foreach (var index in columns.GroupBy(c => c.Index))
        {
            try
            {
                await conn.ExecuteAsync(new CommandDefinition($"ALTER TABLE {table} DROP INDEX {index.Key}", cancellationToken: ct));
            }
            catch (MySqlException e) when (e.Number == 1553)   // ER_DROP_INDEX_FK
            {
                continue;   // a foreign key needs it: it stays, and is kept up to date while loading
            }
            var cols = string.Join(", ", index.Select(c => c.SubPart is { } n ? $"{c.Column}({n})" : c.Column));
            add.Add($"ADD {(index.First().NonUnique ? "" : "UNIQUE ")}INDEX {index.Key} ({cols})");
        }
        return add;
    }

    /// <summary>The province already in its database when it holds exactly <paramref name="clues"/> clues (for re-runs while working on a query).</summary>
    public static async Task<ProvinceInfo?> ExistingAsync(string benchConnectionString, int clues, CancellationToken ct = default)
    {
        var database = DatabaseFor(benchConnectionString);
        await using var admin = new MySqlConnection(benchConnectionString);
        await admin.OpenAsync(ct);
        if (await admin.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = @database", new { database }, cancellationToken: ct)) == 0)
            return null;
        var cs = ConnectionStringFor(benchConnectionString, database);
        await using var conn = new MySqlConnection(cs);
        await conn.OpenAsync(ct);
        var (count, open, end) = await conn.QuerySingleAsync<(long, long, DateTime)>(new CommandDefinition(
            "SELECT COUNT(*), SUM(state NOT IN ('Resolved', 'Withdrawn')), MAX(created_at) FROM clues", cancellationToken: ct));
        return count != clues ? null : new ProvinceInfo(cs, database, CityCount, DistrictCount, TownCount, SchoolCount, 0, 0, count, 0, open, 0, 0, 0,
            DateTime.SpecifyKind(end.Date.AddDays(1), DateTimeKind.Utc), TimeSpan.Zero);
    }

    /// <summary>Drops the province's database (nothing else is touched); safe when there is none.</summary>
    public static async Task RemoveAsync(string benchConnectionString, string? database = null, CancellationToken ct = default)
    {
        database ??= DatabaseFor(benchConnectionString);
        if (!database.Contains("province", StringComparison.Ordinal))
            throw new ArgumentException($"refusing to drop {database}: not a province database");
        await using var admin = new MySqlConnection(benchConnectionString);
        await admin.OpenAsync(ct);
        await admin.ExecuteAsync(new CommandDefinition($"DROP DATABASE IF EXISTS `{database}`", commandTimeout: 600, cancellationToken: ct));
    }

    /// <summary><c>bench province [clues] [seed] [database]</c> generates and keeps it; <c>bench province remove [database]</c> drops it.</summary>
    public static async Task RunAsync(string[] args)
    {
        var bench = Environment.GetEnvironmentVariable("SCHOOLSAFETY_BENCH_DB")
            ?? throw new InvalidOperationException("SCHOOLSAFETY_BENCH_DB is not set: eval \"$(bash scripts/db.sh)\" first.");
        if (args is ["remove", ..])
        {
            var name = args.Length > 1 ? args[1] : DatabaseFor(bench);
            await RemoveAsync(bench, name);
            Console.WriteLine($"province {name} removed");
            return;
        }
        var clues = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : DefaultClues;
        var seed = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : DefaultSeed;
        var database = args.Length > 2 ? args[2] : null;
        var info = await GenerateAsync(bench, clues, seed, database: database, log: Console.Out);
        Console.WriteLine(info);
        Console.WriteLine($"remove it with: dotnet run -c Release --project bench/Bench -- province remove");
    }

    private sealed class Generator(int seed, int clueCount, DateTime end, MySqlConnection conn, TextWriter log)
    {
        private const int Chunk = 20_000;
        private readonly Random rng = new(seed);
        private readonly Stopwatch clock = Stopwatch.StartNew();

        // Layout, all ids explicit (the database is new): regions, then units, schools and their staff.
        private static int CityOfDistrict(int d) => d * CityCount / DistrictCount;
        private static long CityRegion(int c) => 1 + c;
        private static long DistrictRegion(int d) => 1 + CityCount + d;
        private static long TownRegion(int t) => 1 + CityCount + DistrictCount + t;
        private static long CityUnit(int c, int line) => 1 + c * DistrictLines.Length + line;
        private const long DistrictUnitBase = 1 + CityCount * 13;
        /// <summary>Line index 0..12, or 13 for the district's task-force office (at the Education Bureau).</summary>
        private static long DistrictUnit(int d, int line) => DistrictUnitBase + d * 14 + line;
        private const long TownUnitBase = DistrictUnitBase + DistrictCount * 14;
        private static long TownUnit(int t, int line) => TownUnitBase + t * TownLines.Length + line;
        public int UnitCount => (int)(TownUnitBase - 1) + TownCount * TownLines.Length;

        private static int TownOfSchool(int s) => s % TownCount;
        private static int DistrictOfTown(int t) => t / TownsPerDistrict;

        private long nextUser = 1, nextMembership = 1;
        public int UserCount => (int)nextUser - 1;
        public long EventCount, OpenCount, GuidanceCount, FindingCount, AuditCount;

        // Staff by place: filled while the organisation is written, used by the clues.
        private readonly long[][] schoolReporters = new long[SchoolCount][];   // two officers, then the school leader
        private readonly long[] schoolGrid = new long[SchoolCount];
        private readonly long[][] townHandlers = new long[TownCount * TownLines.Length][];
        private readonly long[] townHeads = new long[TownCount * TownLines.Length];
        private readonly long[][] districtHandlers = new long[DistrictCount * 14][];
        private readonly long[] districtHeads = new long[DistrictCount * 14];
        private readonly long[][] cityHandlers = new long[CityCount * 13][];
        private long admin;

        private readonly List<object?[]> users = [], memberships = [];
        private readonly DateTime start = end.AddYears(-Years);

        private static string Name(long userId)
        {
            const string surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾";
            const string given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玲红建国志新晓东海燕";
            var h = (uint)(userId * 2654435761L);
            return $"{surnames[(int)(h % surnames.Length)]}{given[(int)(h / 7 % given.Length)]}{given[(int)(h / 131 % given.Length)]}";
        }

        private long User(string key)
        {
            var id = nextUser++;
            var created = start.AddDays(-30);
            users.Add([id, UserPrefix + key, $"union-{UserPrefix}{key}", Name(id), $"139{id % 100_000_000:D8}", 1, created, created]);
            return id;
        }

        private void Member(long user, string role, long unit = 0, long school = 0, string? title = null) =>
            memberships.Add([nextMembership++, user, role, unit, school, title, start.AddDays(-30)]);

        public async Task OrganisationAsync(CancellationToken ct)
        {
            var lines = (await conn.QueryAsync<(string Code, string NameZh, string? CityNameZh)>(new CommandDefinition(
                "SELECT code, name_zh, city_name_zh FROM org_lines", cancellationToken: ct))).ToDictionary(l => l.Code);
            var regions = new List<object?[]>();
            var units = new List<object?[]>();
            var cityName = new string[CityCount];
            for (var c = 0; c < CityCount; c++)
            {
                cityName[c] = CityNames[c];
                regions.Add([CityRegion(c), null, "City", cityName[c], null]);
                for (var l = 0; l < DistrictLines.Length; l++)
                {
                    var unit = CityUnit(c, l);
                    units.Add([unit, DistrictLines[l], "City", CityRegion(c), cityName[c] + (lines[DistrictLines[l]].CityNameZh ?? "")[1..], 0]);
                    Member(User($"c{c}-{DistrictLines[l]}-head"), "UnitHead", unit);
                    cityHandlers[unit - 1] = [User($"c{c}-{DistrictLines[l]}-h0"), User($"c{c}-{DistrictLines[l]}-h1")];
                    foreach (var h in cityHandlers[unit - 1]) Member(h, "Handler", unit);
                }
            }
            var districtName = new string[DistrictCount];
            for (var d = 0; d < DistrictCount; d++)
            {
                var c = CityOfDistrict(d);
                districtName[d] = $"{cityName[c][..^1]}第{d - Enumerable.Range(0, d).Count(x => CityOfDistrict(x) != c) + 1}区";
                regions.Add([DistrictRegion(d), CityRegion(c), "District", districtName[d], null]);
                for (var l = 0; l < 14; l++)
                {
                    var unit = DistrictUnit(d, l);
                    var line = l < 13 ? DistrictLines[l] : "EDU";
                    var nameZh = l < 13 ? lines[line].NameZh : "区教育局护校安园专班办公室";
                    var name = nameZh.StartsWith('区') ? districtName[d] + nameZh[1..] : nameZh.Replace("余杭区", districtName[d]);
                    units.Add([unit, line, "District", DistrictRegion(d), name, l == 13 ? 1 : 0]);
                    var idx = (int)(unit - DistrictUnitBase);
                    var head = User($"d{d}-u{l}-head");
                    Member(head, "UnitHead", unit);
                    districtHeads[idx] = head;
                    if (l == 13)
                    {
                        var handler = d == 0 ? admin = User("admin") : User($"d{d}-office-h0");
                        if (d == 0) Member(handler, "EduAdmin");
                        Member(handler, "Handler", unit);
                        districtHandlers[idx] = [handler];
                        continue;
                    }
                    var liaison = User($"d{d}-u{l}-liaison");
                    Member(liaison, "Liaison", unit);
                    Member(liaison, "Handler", unit);
                    var handlers = new long[DistrictHandlers];
                    handlers[0] = liaison;
                    for (var h = 1; h < DistrictHandlers; h++) Member(handlers[h] = User($"d{d}-u{l}-h{h}"), "Handler", unit);
                    districtHandlers[idx] = handlers;
                }
            }
            for (var t = 0; t < TownCount; t++)
            {
                var d = DistrictOfTown(t);
                var street = t % 3 != 2;
                var town = $"{districtName[d]}第{t % TownsPerDistrict + 1}{(street ? "街道" : "镇")}";
                regions.Add([TownRegion(t), DistrictRegion(d), "Town", town, street ? "Street" : "Town"]);
                var shortName = town[..^(street ? 2 : 1)];
                for (var l = 0; l < TownLines.Length; l++)
                {
                    var unit = TownUnit(t, l);
                    var (line, suffix) = TownLines[l];
                    units.Add([unit, line, "Town", TownRegion(t), line == "TOWN" ? (street ? town + "办事处" : town + "人民政府") : shortName + suffix, 0]);
                    var idx = (int)(unit - TownUnitBase);
                    Member(townHeads[idx] = User($"t{t}-{line}-head"), "UnitHead", unit);
                    var handlers = new long[TownHandlers];
                    for (var h = 0; h < TownHandlers; h++) Member(handlers[h] = User($"t{t}-{line}-h{h}"), "Handler", unit);
                    townHandlers[idx] = handlers;
                }
            }
            var schools = new List<object?[]>();
            var groups = new List<object?[]>();
            var groupMembers = new List<object?[]>();
            for (var s = 0; s < SchoolCount; s++)
            {
                var t = TownOfSchool(s);
                var d = DistrictOfTown(t);
                var nth = s / TownCount;   // the school's place in its town
                var id = s + 1;
                var townName = (string)regions[CityCount + DistrictCount + t][3]!;
                schools.Add([id, TownRegion(t), $"{townName[..^(townName.EndsWith("街道") ? 2 : 1)]}{(nth == 0 ? "中心" : $"第{nth + 1}")}小学", s % 10 == 0 ? 1 : 0, s % 10 == 0 ? 1 : 2, 1]);
                var officer1 = User($"s{s}-officer1");
                var officer2 = User($"s{s}-officer2");
                var leader = User($"s{s}-leader");
                var grid = User($"s{s}-grid");
                Member(officer1, "Reporter", school: id);
                Member(officer2, "Reporter", school: id);
                Member(leader, "CoLeader", school: id, title: "SchoolLeader");
                Member(leader, "Reporter", school: id);
                Member(grid, "CoLeader", school: id, title: "GridInstructor");
                schoolReporters[s] = [officer1, officer2, leader];
                schoolGrid[s] = grid;
                groups.Add([id, id, $"第{id}号学校护校安园工作组", $"prov-cid-{id}"]);
                for (var l = 0; l < TownLines.Length; l++)
                {
                    var (unit, user) = WorkGroupMember(s, TownLines[l].Line);
                    groupMembers.Add([id, TownLines[l].Line, user, unit]);
                }
                foreach (var line in DistrictLines.Where(x => TownLines.All(tl => tl.Line != x)))
                {
                    var (unit, user) = WorkGroupMember(s, line);
                    groupMembers.Add([id, line, user, unit]);
                }
            }
            await BulkAsync("regions", ["id", "parent_id", "level", "name", "town_kind"], regions, ct);
            await BulkAsync("units", ["id", "line_code", "level", "region_id", "name", "is_task_force_office"], units, ct);
            await BulkAsync("schools", ["id", "town_id", "name", "is_pilot", "rollout_phase", "active"], schools, ct);
            await BulkAsync("users", ["id", "dingtalk_user_id", "union_id", "name", "mobile", "active", "created_at", "updated_at"], users, ct);
            await BulkAsync("memberships", ["id", "user_id", "role", "unit_id", "school_id", "title", "created_at"], memberships, ct);
            await BulkAsync("work_groups", ["id", "school_id", "name", "open_conversation_id"], groups, ct);
            await BulkAsync("work_group_members", ["work_group_id", "line_code", "user_id", "unit_id"], groupMembers, ct);
            // The towns' own items escalate to the task-force office (the first district's; clues use their own district's).
            await conn.ExecuteAsync(new CommandDefinition("UPDATE worklist_items SET escalation_unit_id = @Office WHERE no IN (19, 20, 21, 22)",
                new { Office = DistrictUnit(0, 13) }, cancellationToken: ct));
            log.WriteLine($"province: organisation loaded ({UserCount:N0} staff, {memberships.Count:N0} memberships) in {clock.Elapsed.TotalSeconds:0} s");
            users.Clear();
            memberships.Clear();
        }

        /// <summary>The school's work-group member for a line: a handler of its town's unit, or of its district's department.</summary>
        private (long Unit, long User) WorkGroupMember(int s, string line)
        {
            var t = TownOfSchool(s);
            var nth = s / TownCount;
            var tl = Array.FindIndex(TownLines, x => x.Line == line);
            if (tl >= 0)
            {
                var unit = TownUnit(t, tl);
                return (unit, townHandlers[(int)(unit - TownUnitBase)][nth % TownHandlers]);
            }
            var d = DistrictOfTown(t);
            var dl = Array.IndexOf(DistrictLines, line);
            var du = DistrictUnit(d, dl);
            return (du, districtHandlers[(int)(du - DistrictUnitBase)][(s / TownCount * TownsPerDistrict + t % TownsPerDistrict) % DistrictHandlers]);
        }

        private int PickItem()
        {
            var total = ItemWeight.Sum();
            var r = rng.Next(total);
            for (var i = 1; i < ItemWeight.Length; i++)
            {
                r -= ItemWeight[i];
                if (r < 0) return i;
            }
            return 4;
        }

        /// <summary>One clue as it moves: the row's fields, updated by each step, and its timeline.</summary>
        private sealed class Clue
        {
            public long Id;
            public string State = "PendingAcceptance", Tier = "WorkGroup";
            public long? Unit, Assignee, EscalatedFromUnit, DispatchingUnit, ResolvedUnit;
            public string? EscalatedFromTier, ResolvedTier, GridEvent;
            public bool Barred, Supervised;
            public DateTime At, Updated;
            public DateTime? Due, SupervisionDue, Resolved;
            public int Version;
        }

        /// <summary>
        /// A resolved clue's 回访 (from its id, so the seeded draws and every other row stay as they were): due about 3 working
        /// days after the resolve; before the end, 60 % 满意, 20 % 基本满意, 10 % 不满意, 10 % 未评价; still due at the end,
        /// half rated already and half awaiting the reporter (what the digests' 待回访 and the reminders' rate step read).
        /// </summary>
        private (string? Rating, DateTime? RatedAt, DateTime? DueAt) Rating(Clue c)
        {
            if (c.State != "Resolved" || c.Resolved is not { } resolved) return (null, null, null);
            var due = resolved.AddDays(4);
            var kind = c.Id % 10;
            if (due > end && kind % 2 == 0) return (null, null, due);
            return kind switch
            {
                < 6 => ("Satisfied", resolved.AddHours(20), due),
                < 8 => ("Basic", resolved.AddHours(20), due),
                8 => ("Unsatisfied", resolved.AddHours(20), due),
                _ when due > end => ("Satisfied", resolved.AddHours(20), due),
                _ => ("Unrated", due, due),
            };
        }

        private readonly List<object?[]> clueRows = [], eventRows = [], auditRows = [];
        private long nextEvent = 1, nextAudit = 1;

        private void Step(Clue c, string action, long? actor, string? toState = null, long? toUnit = null, string? toTier = null,
            bool keepUnit = true, string? note = null)
        {
            c.Version++;
            var fromState = c.State; var fromUnit = c.Unit; var fromTier = c.Tier;
            c.State = toState ?? c.State;
            if (!keepUnit || toUnit is not null) c.Unit = toUnit;
            c.Tier = toTier ?? c.Tier;
            eventRows.Add([nextEvent++, c.Id, action, actor, actor is { } a ? Name(a) : "基层治理四平台", c.At, c.Version == 1 ? null : fromState, c.State,
                c.Version == 1 ? null : fromUnit, c.Unit, c.Version == 1 ? null : fromTier, c.Tier, c.Version, note]);
            c.Updated = c.At;
            if (c.State != fromState || c.Unit != fromUnit || c.Version == 1)
                c.Due = c.State switch
                {
                    "PendingAcceptance" => c.At.AddDays(1), "InProgress" => c.At.AddDays(7), "PendingReview" => c.At.AddDays(2),
                    "DispatchedToGrid" => c.At.AddDays(15), "PendingConfirmation" => c.At.AddDays(3), _ => null,
                };
        }

        /// <summary>The next step's time: up to <paramref name="maxHours"/> later, but always before the end (steps crowd together near it).</summary>
        private void Later(Clue c, double maxHours)
        {
            var hours = 0.2 + rng.NextDouble() * maxHours;
            var left = (end - c.At).TotalHours;
            if (hours > left / 2) hours = left / 2 * rng.NextDouble();
            c.At = c.At.AddHours(hours);
        }

        public async Task CluesAsync(CancellationToken ct)
        {
            var span = (end - start).Ticks;
            var counters = new Dictionary<DateOnly, int>();
            var recent = end.AddDays(-60);
            for (var k = 0; k < clueCount; k++)
            {
                var created = start.AddTicks((long)((k + rng.NextDouble()) / clueCount * span));
                var s = rng.Next(SchoolCount);
                var item = PickItem();
                var line = ItemLine[item];
                var rr = rng.NextDouble();
                var reporter = schoolReporters[s][rr < 0.45 ? 0 : rr < 0.9 ? 1 : 2];
                var (wgUnit, wgUser) = WorkGroupMember(s, line);
                var t = TownOfSchool(s);
                var d = DistrictOfTown(t);
                var districtUnit = line == "TOWN" ? DistrictUnit(d, 13) : DistrictUnit(d, Array.IndexOf(DistrictLines, line));
                var cityUnit = line == "TOWN" ? (long?)null : CityUnit(CityOfDistrict(d), Array.IndexOf(DistrictLines, line));
                var open = rng.NextDouble() < (created >= recent ? 0.7 : 0.0279);
                var c = new Clue { Id = k + 1, At = created };
                var day = DateOnly.FromDateTime(created.AddHours(8));
                counters[day] = counters.GetValueOrDefault(day) + 1;
                var number = $"XA{day:yyyyMMdd}-{counters[day]:D4}";

                // The whole path; an open clue stops part-way (never at its end).
                var path = rng.NextDouble();
                var steps = new List<Action>();
                Step(c, "Report", reporter, "PendingAcceptance", wgUnit);
                c.Assignee = wgUser;
                if (path < 0.05 && !open)
                {
                    steps.Add(() => { Later(c, 20); Step(c, "Withdraw", reporter, "Withdrawn"); c.Assignee = null; });
                }
                else
                {
                    var holder = wgUser;
                    steps.Add(() => { Later(c, 30); Step(c, "Accept", holder, "InProgress"); c.Assignee = holder; });
                    var extras = rng.NextDouble() < 0.6 ? 1 + rng.Next(3) : 0;
                    for (var x = 0; x < extras; x++)
                    {
                        var urge = rng.Next(2) == 0;
                        steps.Add(() => { Later(c, 48); Step(c, urge ? "Urge" : "Comment", urge ? reporter : c.Assignee, note: Notes[rng.Next(Notes.Length)]); });
                    }
                    void Escalate(long toUnit, string toTier)
                    {
                        Later(c, 48);
                        c.EscalatedFromUnit = c.Unit; c.EscalatedFromTier = c.Tier;
                        Step(c, "Escalate", c.Assignee, "PendingAcceptance", toUnit, toTier, note: "超出本级处置能力，申请上级协调");
                        c.Assignee = null;
                    }
                    void AcceptAt(long[] handlers) { Later(c, 24); var h = handlers[rng.Next(handlers.Length)]; Step(c, "Accept", h, "InProgress"); c.Assignee = h; }
                    var dh = districtHandlers[(int)(districtUnit - DistrictUnitBase)];
                    if (path < 0.72 || (path >= 0.95 && cityUnit is null)) { }
                    else if (path < 0.84) { steps.Add(() => Escalate(districtUnit, "District")); steps.Add(() => AcceptAt(dh)); }
                    else if (path < 0.89)
                    {
                        steps.Add(() => Escalate(districtUnit, "District"));
                        steps.Add(() =>
                        {
                            Later(c, 24);
                            var back = c.EscalatedFromUnit;
                            Step(c, "Return", dh[0], "PendingAcceptance", back, c.EscalatedFromTier, note: "属本级职责，请继续处置");
                            c.Barred = true; c.Assignee = null;
                        });
                        steps.Add(() => { Later(c, 24); Step(c, "Accept", holder, "InProgress"); c.Assignee = holder; });
                    }
                    else if (path < 0.95)
                    {
                        var head = line is "POL" or "MKT" or "ENF" or "TOWN" ? townHeads[(int)(wgUnit - TownUnitBase)] : districtHeads[(int)(wgUnit - DistrictUnitBase)];
                        steps.Add(() => { Later(c, 24); Step(c, "ProposeDispatch", c.Assignee, "PendingReview", note: "建议流转基层治理四平台"); });
                        steps.Add(() => { Later(c, 24); c.DispatchingUnit = c.Unit; Step(c, "ApproveDispatch", head, "DispatchedToGrid"); c.GridEvent = $"GRID-{c.Id}"; });
                        steps.Add(() => { Later(c, 120); Step(c, "GridResult", null, "PendingConfirmation", note: "已处置完毕"); });
                        steps.Add(() => { Later(c, 24); Step(c, "ConfirmResult", holder, "Resolved"); c.ResolvedUnit = c.Unit; c.ResolvedTier = c.Tier; c.Resolved = c.At; c.DispatchingUnit = null; });
                    }
                    else
                    {
                        var ch = cityHandlers[(int)cityUnit!.Value - 1];
                        steps.Add(() => Escalate(districtUnit, "District"));
                        steps.Add(() => AcceptAt(dh));
                        steps.Add(() => Escalate(cityUnit.Value, "City"));
                        steps.Add(() => AcceptAt(ch));
                    }
                    if (!(path >= 0.89 && path < 0.95))
                        steps.Add(() => { Later(c, 96); c.ResolvedUnit = c.Unit; c.ResolvedTier = c.Tier; c.Resolved = c.At; Step(c, "Resolve", c.Assignee, "Resolved", note: "已整改完毕"); });
                }
                var take = open ? rng.Next(steps.Count) : steps.Count;   // open: 0..n-1 steps after the report
                for (var i = 0; i < take; i++) steps[i]();
                var isOpen = c.State is not ("Resolved" or "Withdrawn");
                if (isOpen && c.Due < end && rng.NextDouble() < 0.2)
                {
                    Later(c, 24);
                    c.Supervised = true; c.SupervisionDue = c.At.AddDays(3);
                    Step(c, "Supervise", admin, note: "挂牌督办，请限期办结");
                }
                if (!isOpen) { c.Due = null; c.Supervised = false; c.SupervisionDue = null; }
                if (isOpen) OpenCount++;
                var (rating, ratedAt, ratingDue) = Rating(c);

                clueRows.Add([c.Id, number, s + 1, TownRegion(t), item, line, Descriptions[rng.Next(Descriptions.Length)], Locations[rng.Next(Locations.Length)],
                    reporter, created, c.Updated, c.State, c.Tier, c.Unit, c.Assignee, 0, c.Due, c.EscalatedFromUnit, c.EscalatedFromTier,
                    c.Barred ? 1 : 0, c.DispatchingUnit, c.GridEvent, c.Supervised ? 1 : 0, c.SupervisionDue, c.Resolved, c.ResolvedUnit, c.ResolvedTier, c.Version,
                    rating, ratedAt, ratingDue]);
                auditRows.Add([nextAudit++, created.AddHours(1 + rng.NextDouble() * 48), rng.Next(2) == 0 ? reporter : wgUser, "ClueRead", "clue",
                    c.Id.ToString(CultureInfo.InvariantCulture), number]);
                if (clueRows.Count == Chunk) await FlushAsync(ct);
            }
            await FlushAsync(ct);
            await BulkAsync("clue_number_counters", ["day", "last_seq"], counters.Select(kv => new object?[] { kv.Key, kv.Value }).ToList(), ct);
            log.WriteLine($"province: {clueCount:N0} clues ({OpenCount:N0} open), {EventCount:N0} events loaded in {clock.Elapsed.TotalSeconds:0} s");
        }

        private async Task FlushAsync(CancellationToken ct)
        {
            await BulkAsync("clues", ClueColumns, clueRows, ct);
            await BulkAsync("clue_events", EventColumns, eventRows, ct);
            await BulkAsync("audit_log", ["id", "occurred_at", "actor_user_id", "action", "subject_type", "subject_id", "detail"], auditRows, ct);
            EventCount += eventRows.Count;
            AuditCount += auditRows.Count;
            clueRows.Clear(); eventRows.Clear(); auditRows.Clear();
        }

        public async Task GuidanceAsync(CancellationToken ct)
        {
            var records = new List<object?[]>();
            var findings = new List<object?[]>();
            long recordId = 1, findingId = 1;
            string[] kinds = ["Publicity", "BusinessGuidance", "Inspection"];
            for (var s = 0; s < SchoolCount; s++)
            {
                var d = DistrictOfTown(TownOfSchool(s));
                for (var v = 0; v < Years * 2; v++)
                {
                    var l = rng.Next(DistrictLines.Length);
                    var unit = DistrictUnit(d, l);
                    var creator = districtHandlers[(int)(unit - DistrictUnitBase)][rng.Next(DistrictHandlers)];
                    var visit = start.AddDays(v * 182 + rng.Next(150));
                    if (visit >= end) continue;
                    var last = visit > end.AddDays(-60);
                    records.Add([recordId, s + 1, unit, kinds[rng.Next(kinds.Length)], DateOnly.FromDateTime(visit), "开展校园周边安全检查，督促落实整改", "学校分管领导、安全干部",
                        creator, last ? "Open" : "Closed", visit.AddHours(10), last ? null : visit.AddDays(20)]);
                    if (rng.NextDouble() < 0.6)
                        findings.Add([findingId++, recordId, 1, "消防器材过期未更换", s + 1, DateOnly.FromDateTime(visit.AddDays(14)), last ? "Open" : "Closed", last ? null : creator, last ? null : visit.AddDays(15)]);
                    recordId++;
                }
            }
            await BulkAsync("guidance_records", ["id", "school_id", "unit_id", "kind", "visit_date", "summary", "attendees", "creator_user_id", "state", "created_at", "closed_at"], records, ct);
            await BulkAsync("guidance_findings", ["id", "record_id", "seq", "description", "assignee_school_id", "deadline", "state", "closed_by", "closed_at"], findings, ct);
            GuidanceCount = records.Count;
            FindingCount = findings.Count;
            log.WriteLine($"province: {GuidanceCount:N0} guidance records, {FindingCount:N0} findings in {clock.Elapsed.TotalSeconds:0} s");
        }

        private async Task BulkAsync(string table, string[] columns, List<object?[]> rows, CancellationToken ct)
        {
            if (rows.Count == 0) return;
            var data = new DataTable();
            foreach (var _ in columns) data.Columns.Add(new DataColumn { DataType = typeof(object), AllowDBNull = true });
            foreach (var r in rows) data.Rows.Add(r.Select(v => v ?? DBNull.Value).ToArray());
            var copy = new MySqlBulkCopy(conn) { DestinationTableName = table, BulkCopyTimeout = 0 };
            for (var i = 0; i < columns.Length; i++) copy.ColumnMappings.Add(new MySqlBulkCopyColumnMapping(i, columns[i]));
            var result = await copy.WriteToServerAsync(data, ct);
            if (result.RowsInserted != rows.Count)
                throw new InvalidOperationException($"{table}: {result.RowsInserted} of {rows.Count} rows loaded ({string.Join("; ", result.Warnings.Take(3).Select(w => w.Message))})");
        }
    }
}
