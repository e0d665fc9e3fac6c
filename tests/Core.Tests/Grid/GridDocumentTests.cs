using System.ComponentModel.DataAnnotations;
using System.Text;
using System.Text.Json.Nodes;
using SchoolSafety.Core.Grid;

namespace SchoolSafety.Core.Tests.Grid;

public sealed class GridDocumentTests
{
    private static readonly GridDispatch Dispatch = new()
    {
        DispatchId = "XA20261201-0007-6", ClueNumber = "XA20261201-0007", School = "实验小学", Town = "临平街道", ItemNo = 4, Item = "治安/校园安保",
        Description = "摊贩占道", Latitude = 30.1m, Longitude = 120.2m, Photos = ["https://x/p1"], DispatchingUnit = "区公安分局",
        DueAt = new DateTime(2026, 12, 15, 2, 0, 0, DateTimeKind.Utc), DispatchedAt = new DateTime(2026, 12, 1, 2, 0, 0, DateTimeKind.Utc),
        CallbackUrl = "https://us/four-platforms/pushes",
    };

    [Fact]
    public void WithoutAMapping_EveryOneOfOurFields_UnderOurName_TimesInChinaTime()
    {
        var doc = GridDocument.Build(Dispatch, new Dictionary<string, string>(), new Dictionary<string, string>());
        Assert.Equal(GridDocument.Fields, doc.Select(p => p.Key).ToArray());
        Assert.Equal("2026-12-15T10:00:00+08:00", doc["dueAt"]!.GetValue<string>());
        Assert.Equal("https://x/p1", doc["photos"]![0]!.GetValue<string>());
    }

    [Fact]
    public void TheFieldMap_RenamesNestsAndDrops_AndExtraFieldsAreAdded()
    {
        var doc = GridDocument.Build(Dispatch,
            new Dictionary<string, string> { ["clueNumber"] = "bizNo", ["school"] = "place.school", ["town"] = "place.town", ["latitude"] = "" },
            new Dictionary<string, string> { ["sourceSystem"] = "xiaoan" });
        Assert.Equal("XA20261201-0007", doc["bizNo"]!.GetValue<string>());
        Assert.Null(doc["clueNumber"]);
        Assert.Equal("实验小学", doc["place"]!["school"]!.GetValue<string>());
        Assert.Equal("临平街道", doc["place"]!["town"]!.GetValue<string>());
        Assert.False(doc.ContainsKey("latitude"));
        Assert.Equal("xiaoan", doc["sourceSystem"]!.GetValue<string>());
    }

    [Fact]
    public void Read_FindsADottedPath_OrNothing()
    {
        var answer = JsonNode.Parse("""{"data":{"eventId":"E-1","n":7},"message":"拒收"}""");
        Assert.Equal("E-1", GridDocument.Read(answer, "data.eventId"));
        Assert.Equal("7", GridDocument.Read(answer, "data.n"));
        Assert.Null(GridDocument.Read(answer, "data.missing"));
        Assert.Null(GridDocument.Read(null, "eventId"));
    }

    [Theory]
    [InlineData(0, PushCheck.Valid)]
    [InlineData(-299, PushCheck.Valid)]
    [InlineData(-301, PushCheck.StaleTimestamp)]
    [InlineData(301, PushCheck.StaleTimestamp)]
    public void Signature_HoldsWithinTheWindow_EitherWay(int offsetSeconds, PushCheck expected)
    {
        var now = new DateTimeOffset(2026, 12, 1, 2, 0, 0, TimeSpan.Zero);
        var body = Encoding.UTF8.GetBytes("""{"pushId":"P1"}""");
        var ts = GridSignature.Timestamp(now.AddSeconds(offsetSeconds));
        var sig = GridSignature.Compute("s3cret", ts, body);
        Assert.Equal(expected, GridSignature.Verify("s3cret", ts, sig, body, now, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void Signature_OfAnotherBodyOrSecret_OrMissing_IsRefused()
    {
        var now = DateTimeOffset.UtcNow;
        var ts = GridSignature.Timestamp(now);
        var sig = GridSignature.Compute("s3cret", ts, "a"u8);
        Assert.Equal(PushCheck.BadSignature, GridSignature.Verify("s3cret", ts, sig, "b"u8, now, TimeSpan.FromMinutes(5)));
        Assert.Equal(PushCheck.BadSignature, GridSignature.Verify("other", ts, sig, "a"u8, now, TimeSpan.FromMinutes(5)));
        Assert.Equal(PushCheck.MissingHeaders, GridSignature.Verify("s3cret", null, sig, "a"u8, now, TimeSpan.FromMinutes(5)));
        Assert.Equal(PushCheck.BadTimestamp, GridSignature.Verify("s3cret", "soon", sig, "a"u8, now, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void Options_AreValidated_UnknownFieldsShortSecretsAndMissingCallback()
    {
        var o = new GridOptions { BaseUrl = "https://gw/", PushSecret = "short", FieldMap = { ["nope"] = "x" } };
        var errors = new List<ValidationResult>();
        Assert.False(Validator.TryValidateObject(o, new ValidationContext(o), errors, validateAllProperties: true));
        var text = string.Join("\n", errors.Select(e => e.ErrorMessage));
        Assert.Contains("CallbackUrl is required", text);
        Assert.Contains("PushSecret must be 32", text);
        Assert.Contains("FieldMap:nope", text);
        var ok = new GridOptions { BaseUrl = "https://gw/", CallbackUrl = "https://us/p", PushSecret = new string('k', 32), FieldMap = { ["school"] = "a.b" } };
        Assert.True(Validator.TryValidateObject(ok, new ValidationContext(ok), [], validateAllProperties: true));
    }
}
