using System.Security.Claims;
using MiniExcelLibs;
using SchoolSafety.Core.Clues;
using SchoolSafety.Core.Statistics;
using SchoolSafety.MiniApp.Api.Auth;

namespace SchoolSafety.MiniApp.Api.Apis;

/// <summary>Statistics for 会商研判 and their export (CSV, XLSX via MiniExcel); every export is logged.</summary>
public static class StatisticsApi
{
    public static RouteGroupBuilder MapStatisticsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/statistics").WithTags("Statistics").RequireAuthorization();
        api.MapGet("/", GetStatisticsAsync);
        api.MapGet("/guidance-coverage", GetGuidanceCoverageAsync);
        api.MapGet("/export", ExportCluesAsync);
        return api;
    }

    public static async Task<IResult> GetStatisticsAsync(DateOnly? from, DateOnly? to, ClaimsPrincipal user, StatisticsService statistics, CancellationToken ct) =>
        (await statistics.ReportAsync(user.UserId(), from, to, ct)).ToHttp(r => TypedResults.Ok(r));

    public static async Task<IResult> GetGuidanceCoverageAsync(DateOnly? from, DateOnly? to, ClaimsPrincipal user, StatisticsService statistics, CancellationToken ct) =>
        (await statistics.GuidanceCoverageAsync(user.UserId(), from, to, ct)).ToHttp(r => TypedResults.Ok(r));

    public static async Task<IResult> ExportCluesAsync(string? format, DateOnly? from, DateOnly? to, ClaimsPrincipal user, StatisticsService statistics,
        TimeProvider clock, CancellationToken ct)
    {
        ExportFormat? fmt = format?.ToLowerInvariant() switch { "csv" => ExportFormat.Csv, "xlsx" => ExportFormat.Xlsx, _ => null };
        if (fmt is null) return Problems.BadRequest("export.format_invalid", "导出格式应为 csv 或 xlsx");
        var outcome = await statistics.ExportAsync(user.UserId(), from, to, fmt.Value, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var stamp = (now + TimeSpan.FromHours(8)).ToString("yyyyMMddHHmm");
        if (fmt == ExportFormat.Csv)
            return outcome.ToHttp(export => TypedResults.Stream(body => WriteCsvAsync(body, export, now, ct), "text/csv; charset=utf-8", $"clues-{stamp}.csv"));
        if (outcome.Value is not { } xlsx) return outcome.ToHttp(_ => TypedResults.Ok());
        var table = new List<Dictionary<string, object?>>();
        await foreach (var c in xlsx.Rows(ct)) table.Add(Row(c, now));
        return outcome.ToHttp(_ =>
        {
            var stream = new MemoryStream();
            var empty = table.Count == 0;
            if (empty) table.Add(Headers.ToDictionary(h => h, _ => (object?)null));   // headers even for an empty period
            MiniExcel.SaveAs(stream, table, sheetName: "线索", excelType: ExcelType.XLSX);
            if (empty) stream = Truncated(stream, ExportFormat.Xlsx);
            stream.Position = 0;
            return TypedResults.File(stream, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", $"clues-{stamp}.xlsx");
        });
    }

    /// <summary>
    /// The CSV as MiniExcel writes it (UTF-8 with a BOM, CRLF, a field quoted when it holds a comma, quote or line
    /// break), written row by row as the rows are read, so a year's file starts at once and is never held in memory.
    /// </summary>
    private static async Task WriteCsvAsync(Stream body, ClueExport export, DateTime now, CancellationToken ct)
    {
        await using var writer = new StreamWriter(body, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true), bufferSize: 16 * 1024);
        await writer.WriteAsync(string.Join(',', Headers.Select(Csv)) + "\r\n");
        await writer.FlushAsync(ct);
        await foreach (var c in export.Rows(ct))
            await writer.WriteAsync(string.Join(',', Row(c, now).Values.Select(v => Csv(v?.ToString() ?? ""))) + "\r\n");
    }

    private static string Csv(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : field;

    private static readonly string[] Headers = ["编号", "学校", "镇街", "事项", "条线", "状态", "上报时间", "办结时间", "是否超期", "是否督办"];

    private static Dictionary<string, object?> Row(ClueFact c, DateTime now) => new()
    {
        ["编号"] = c.Number,
        ["学校"] = c.SchoolName,
        ["镇街"] = c.TownName,
        ["事项"] = $"{c.ItemNo}. {c.ItemLabel}",
        ["条线"] = c.LineName,
        ["状态"] = c.State.Zh(),
        ["上报时间"] = (c.CreatedAt + TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm"),
        ["办结时间"] = c.ResolvedAt is { } r && c.State == ClueState.Resolved ? (r + TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm") : "",
        ["是否超期"] = c.IsOverdue(now) ? "是" : "否",
        ["是否督办"] = c.Supervised ? "是" : "否",
    };

    /// <summary>An empty period: the file keeps only its header row.</summary>
    private static MemoryStream Truncated(MemoryStream written, ExportFormat format)
    {
        var header = new MemoryStream();
        MiniExcel.SaveAs(header, new[] { Headers.ToDictionary(h => h, h => (object?)h) }, printHeader: false, sheetName: "线索",
            excelType: format == ExportFormat.Csv ? ExcelType.CSV : ExcelType.XLSX);
        written.Dispose();
        return header;
    }
}
