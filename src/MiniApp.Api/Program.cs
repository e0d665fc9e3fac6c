using SchoolSafety.Core;
using SchoolSafety.Core.Startup;
using SchoolSafety.MiniApp.Api;

StartupTimeline.Main();
var builder = WebApplication.CreateBuilder(args);
StartupTimeline.Mark("builder");
builder.AddSchoolSafetyCore();
builder.AddMiniAppApi();
StartupTimeline.Mark("registered");

var app = builder.Build();
StartupTimeline.Mark("built");
app.MapMiniAppApi();
StartupTimeline.Mark("mapped");
app.Run();
