using System.Net;
using System.Net.Http.Json;
using SchoolSafety.Core.Calendar;
using SchoolSafety.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace SchoolSafety.IntegrationTests.MiniApp;

/// <summary>Issue 9 item 7: a year's holiday table through the API, checked and audited, in effect without a release.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class HolidayUploadApiTests(MiniAppHost host) : IClassFixture<MiniAppHost>
{
    private static object Day(int m, int d, string kind, string name) => new { date = $"2031-{m:D2}-{d:D2}", kind, name };

    private static List<object> Year2031() =>
    [
        Day(1, 1, "off", "元旦"),
        .. Enumerable.Range(22, 8).Select(d => Day(1, d, "off", "春节")),
        .. Enumerable.Range(1, 7).Select(d => Day(10, d, "off", "国庆节")),
        Day(10, 11, "work", "国庆节调休"),   // a Saturday
    ];

    [Fact]
    public async Task Upload_ABadTableIsRefused_AGoodOneReplacesTheYear_IsAuditedAndCountsAtOnce()
    {
        var admin = await host.ClientForAsync("demo-edu-admin");
        try
        {
            var twice = Year2031();
            twice.Add(Day(1, 1, "off", "元旦"));
            await MiniAppHost.AssertProblemAsync(await admin.PutAsJsonAsync("/api/admin/holidays/2031", new { source = "国办发明电", days = twice }),
                HttpStatusCode.BadRequest, "holiday.day_repeated");
            await MiniAppHost.AssertProblemAsync(await admin.PutAsJsonAsync("/api/admin/holidays/2031", new { days = Year2031().Take(4) }),
                HttpStatusCode.BadRequest, "holiday.year_incomplete");
            await MiniAppHost.AssertProblemAsync(await admin.PutAsJsonAsync("/api/admin/holidays/2031", new { days = new[] { new { date = "2031-01-01", kind = "Feiertag", name = "元旦" } } }),
                HttpStatusCode.BadRequest, "holiday.kind_invalid");
            var liaison = await host.ClientForAsync("demo-POL-liaison");
            await MiniAppHost.AssertProblemAsync(await liaison.PutAsJsonAsync("/api/admin/holidays/2031", new { days = Year2031() }), HttpStatusCode.Forbidden, "forbidden");
            Assert.Equal(0, await host.ScalarAsync<long>("SELECT COUNT(*) FROM holiday_days WHERE year = 2031"));

            var ok = await admin.PutAsJsonAsync("/api/admin/holidays/2031", new { source = "国务院办公厅通知", days = Year2031() });
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(17, (await MiniAppHost.JsonAsync(ok)).GetProperty("days").GetInt32());
            Assert.Equal(17, await host.ScalarAsync<long>("SELECT COUNT(*) FROM holiday_days WHERE year = 2031"));
            Assert.Equal(1, await host.ScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE subject_type = 'holiday_year' AND subject_id = '2031'"));
            // In effect at once: Tuesday 30 September 2031 10:00 plus one working day skips the National Day week, to Wednesday 8 October.
            var calendar = host.Factory.Services.GetRequiredService<WorkingCalendar>();
            var due = await calendar.AddWorkingDaysAsync(new DateTime(2031, 9, 30, 2, 0, 0, DateTimeKind.Utc), 1, CancellationToken.None);
            Assert.Equal(new DateTime(2031, 10, 8, 2, 0, 0, DateTimeKind.Utc), due);
        }
        finally
        {
            await host.ScalarAsync<long>("DELETE FROM holiday_days WHERE year = 2031; DELETE FROM holiday_years WHERE year = 2031; DELETE FROM audit_log WHERE subject_type = 'holiday_year'; SELECT 1");
            host.Factory.Services.GetRequiredService<WorkingCalendar>().Invalidate();
        }
    }

    [Fact]
    public async Task DeadMessages_TheAdminListsThemAndRequeuesOne_OthersMayNot()
    {
        var id = await host.ScalarAsync<long>("""
            INSERT INTO outbox (topic, payload, created_at, next_attempt_at, attempts, last_error, dead_at)
            VALUES ('clue.group.notice', '{"clueId": 0}', NOW(6) - INTERVAL 4 DAY, NOW(6), 300, 'http: 503', NOW(6));
            SELECT LAST_INSERT_ID();
            """);
        try
        {
            var liaison = await host.ClientForAsync("demo-POL-liaison");
            await MiniAppHost.AssertProblemAsync(await liaison.GetAsync("/api/admin/outbox/dead"), HttpStatusCode.Forbidden, "forbidden");
            await MiniAppHost.AssertProblemAsync(await liaison.PostAsync($"/api/admin/outbox/{id}/requeue", null), HttpStatusCode.Forbidden, "forbidden");

            var admin = await host.ClientForAsync("demo-edu-admin");
            var list = await MiniAppHost.JsonAsync(await admin.GetAsync("/api/admin/outbox/dead"));
            Assert.Contains(list.EnumerateArray(), r => r.GetProperty("id").GetInt64() == id && r.GetProperty("attempts").GetInt32() == 300);
            Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/admin/outbox/{id}/requeue", null)).StatusCode);
            Assert.Equal(0, await host.ScalarAsync<long>("SELECT COUNT(*) FROM outbox WHERE id = @id AND dead_at IS NOT NULL", new { id }));
            Assert.Equal(1, await host.ScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE subject_type = 'outbox' AND subject_id = @id", new { id = id.ToString() }));
            await MiniAppHost.AssertProblemAsync(await admin.PostAsync($"/api/admin/outbox/{id}/requeue", null), HttpStatusCode.NotFound, "outbox.not_dead");
        }
        finally
        {
            await host.ScalarAsync<long>("DELETE FROM outbox WHERE id = @id; DELETE FROM audit_log WHERE subject_type = 'outbox'; SELECT 1", new { id });
        }
    }
}
