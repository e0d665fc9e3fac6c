using SchoolSafety.Core;
using SchoolSafety.Callbacks;

var builder = WebApplication.CreateBuilder(args);
builder.AddSchoolSafetyCore();
builder.AddCallbacks();

var app = builder.Build();
app.MapCallbacks();
app.Run();
