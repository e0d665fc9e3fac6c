using SchoolSafety.Core;
using SchoolSafety.Core.Startup;
using SchoolSafety.Bot;

StartupTimeline.Main();
var builder = WebApplication.CreateBuilder(args);
StartupTimeline.Mark("builder");
builder.AddSchoolSafetyCore();
builder.AddBot();
StartupTimeline.Mark("registered");

var app = builder.Build();
StartupTimeline.Mark("built");
app.MapBot();
StartupTimeline.Mark("mapped");
app.Run();
