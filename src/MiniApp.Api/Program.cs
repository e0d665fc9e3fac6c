using SchoolSafety.Core;
using SchoolSafety.MiniApp.Api;

var builder = WebApplication.CreateBuilder(args);
builder.AddSchoolSafetyCore();
builder.AddMiniAppApi();

var app = builder.Build();
app.MapMiniAppApi();
app.Run();
