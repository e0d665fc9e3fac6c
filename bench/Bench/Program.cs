// Benchmarks (not tests): `dotnet run -c Release --project bench/Bench -- <name>`; see docs/benchmarks.md.
// Each benchmark prints its figures together with a baseline measured in the same run.
using SchoolSafety.Bench;

var name = args.Length > 0 ? args[0] : "";
var rest = args.Skip(1).ToArray();
switch (name)
{
    case "clues": await CluesBench.RunAsync(rest); break;
    case "miniapp": await MiniAppBench.RunAsync(rest); break;
    case "gateway": await GatewayBench.RunAsync(rest); break;
    case "callbacks": await CallbacksBench.RunAsync(rest); break;
    case "pages": await PagesBench.RunAsync(rest); break;
    case "province": await Province.RunAsync(rest); break;
    case "budget": await BudgetBench.RunAsync(rest); break;
    case "scheduling": await SchedulingBench.RunAsync(rest); break;
    case "scale": await ScaleBench.RunAsync(rest); break;
    case "statistics": await StatisticsBench.RunAsync(rest); break;
    case "startup": await StartupBench.RunAsync(rest); break;
    case "chaos": return await ChaosBench.RunAsync(rest);
    default:
        Console.Error.WriteLine("usage: bench <clues|miniapp|gateway|callbacks|pages|province|budget|scheduling|scale|statistics|startup|chaos>");
        return 2;
}
return 0;
