using SchoolSafety.Core;
using SchoolSafety.Bot;

var builder = WebApplication.CreateBuilder(args);
builder.AddSchoolSafetyCore();
builder.AddBot();

var app = builder.Build();
app.MapBot();
app.Run();
