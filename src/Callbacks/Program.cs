using SchoolSafety.Core;
using SchoolSafety.Core.Startup;
using SchoolSafety.Callbacks;

StartupTimeline.Main();
var builder = WebApplication.CreateBuilder(args);
StartupTimeline.Mark("builder");
builder.AddSchoolSafetyCore();
builder.AddCallbacks();
StartupTimeline.Mark("registered");

var app = builder.Build();
StartupTimeline.Mark("built");
app.MapCallbacks();
StartupTimeline.Mark("mapped");
app.Run();
