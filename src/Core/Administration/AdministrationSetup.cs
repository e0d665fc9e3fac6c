using Microsoft.Extensions.DependencyInjection;
using SchoolSafety.Core.Guidance;
using SchoolSafety.Core.Statistics;
using SchoolSafety.Core.WorkList;

namespace SchoolSafety.Core.Administration;

public static class AdministrationSetup
{
    /// <summary>Administration, service guidance, the work list's progress and the statistics (issue 5 §4–§7).</summary>
    public static IServiceCollection AddAdministrationAndReports(this IServiceCollection services)
    {
        services.AddSingleton<AdminService>();
        services.AddSingleton<Calendar.HolidayYearUpload>();
        services.AddSingleton<OutboxAdministration>();
        services.AddSingleton<GuidanceStore>();
        services.AddSingleton<GuidanceService>();
        services.AddSingleton<WorkListStore>();
        services.AddSingleton<WorkListService>();
        services.AddSingleton<StatisticsStore>();
        services.AddSingleton<StatisticsService>();
        services.AddSingleton<OperationsAdmin>();
        return services;
    }
}
