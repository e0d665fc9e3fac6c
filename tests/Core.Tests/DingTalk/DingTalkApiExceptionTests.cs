using SchoolSafety.Core.DingTalk;
using SchoolSafety.Core.DingTalk.Contracts;

namespace SchoolSafety.Core.Tests.DingTalk;

public sealed class DingTalkApiExceptionTests
{
    [Theory]
    [InlineData("90018", 200, true, false, true)]
    [InlineData("90002", 200, true, false, true)]
    [InlineData("Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", 403, true, false, true)]
    [InlineData("Forbidden.AccessDenied.QpsLimitForApi", 403, true, false, true)]
    [InlineData("Forbidden.AccessDenied.QpmLimitForAppkeyAndApi", 403, true, false, true)]
    [InlineData("InvalidAuthentication", 400, false, true, false)]
    [InlineData("40014", 200, false, true, false)]
    [InlineData("42001", 200, false, true, false)]
    [InlineData("Forbidden.AccessDenied.IpNotInWhiteList", 403, false, false, false)]
    [InlineData("60011", 200, false, false, false)]
    [InlineData("system.busy", 500, false, false, true)]
    [InlineData("-1", 200, false, false, true)]
    [InlineData("http.502", 502, false, false, true)]
    [InlineData("param.cardNotExist", 400, false, false, false)]
    public void Classify_Code_GivesThrottleAuthAndTransientFlags(string code, int status, bool throttled, bool auth, bool transient)
    {
        var e = new DingTalkApiException(code, "m", "api", status);

        Assert.Equal(throttled, e.IsThrottled);
        Assert.Equal(auth, e.IsAuthError);
        Assert.Equal(transient, e.IsTransient);
    }

    [Fact]
    public void Message_NamesEndpointAndCode()
    {
        var e = new DingTalkApiException("60011", "no permission", "user.get", 200);

        Assert.Equal("DingTalk user.get failed: 60011 no permission", e.Message);
    }
}

public sealed class CardDeliveryTests
{
    private static readonly CardDelivery Card = new("tpl", "t1", new Dictionary<string, string>(), "cid1", ["u1", "u2"]);

    [Fact]
    public void SpaceKeys_GroupAndUsers_ListsGroupFirst()
    {
        Assert.Equal(["IM_GROUP.cid1", "IM_ROBOT.u1", "IM_ROBOT.u2"], Card.SpaceKeys);
    }

    [Fact]
    public void Only_SubsetOfKeys_KeepsJustThoseSpaces()
    {
        var rest = Card.Only(new HashSet<string> { "IM_ROBOT.u2" });

        Assert.Null(rest.GroupOpenConversationId);
        Assert.Equal(["u2"], rest.RobotUserIds);
        Assert.Equal(["IM_ROBOT.u2"], rest.SpaceKeys);
    }

    [Fact]
    public void RobotMessage_Markdown_KeepsChineseUnescapedInMsgParam()
    {
        var m = RobotMessage.Markdown("新线索", "校门口");

        Assert.Equal("sampleMarkdown", m.MsgKey);
        Assert.Equal("""{"title":"新线索","text":"校门口"}""", m.MsgParam);
    }
}
