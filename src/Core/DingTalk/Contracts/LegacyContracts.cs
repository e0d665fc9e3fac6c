using System.Text.Json.Serialization;

namespace SchoolSafety.Core.DingTalk.Contracts;

/// <summary>A work notification (工作通知) to users, sent as the app's agent (facts §5.6).</summary>
public sealed record WorkNotification(IReadOnlyList<string> UserIds, WorkMessage Message);

/// <summary>The <c>msg</c> object: a markdown or action-card work message.</summary>
public sealed record WorkMessage
{
    [JsonPropertyName("msgtype")] public required string MsgType { get; init; }
    [JsonPropertyName("markdown")] public WorkMarkdown? Markdown { get; init; }
    [JsonPropertyName("action_card")] public WorkActionCard? ActionCard { get; init; }

    public static WorkMessage OfMarkdown(string title, string text) =>
        new() { MsgType = "markdown", Markdown = new WorkMarkdown(title, text) };

    public static WorkMessage OfActionCard(string title, string markdown, string singleTitle, string singleUrl) =>
        new() { MsgType = "action_card", ActionCard = new WorkActionCard(title, markdown, singleTitle, singleUrl) };
}

public sealed record WorkMarkdown(
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("text")] string Text);

public sealed record WorkActionCard(
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("markdown")] string Markdown,
    [property: JsonPropertyName("single_title")] string SingleTitle,
    [property: JsonPropertyName("single_url")] string SingleUrl);

/// <summary><c>POST /topapi/message/corpconversation/asyncsend_v2</c>.</summary>
public sealed record WorkNotificationRequest(
    [property: JsonPropertyName("agent_id")] long AgentId,
    [property: JsonPropertyName("userid_list")] string UserIdList,
    [property: JsonPropertyName("msg")] WorkMessage Msg);

public sealed record WorkNotificationResponse([property: JsonPropertyName("task_id")] long TaskId);

/// <summary><c>POST /topapi/v2/user/getuserinfo</c> with the mini-app auth code.</summary>
public sealed record AuthCodeRequest([property: JsonPropertyName("code")] string Code);

public sealed record DingTalkLoginUser(
    [property: JsonPropertyName("userid")] string UserId,
    [property: JsonPropertyName("unionid")] string? UnionId,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("sys")] bool Sys,
    [property: JsonPropertyName("sys_level")] int SysLevel);

/// <summary><c>POST /topapi/v2/user/get</c>.</summary>
public sealed record UserGetRequest(
    [property: JsonPropertyName("userid")] string UserId,
    [property: JsonPropertyName("language")] string Language = "zh_CN");

public sealed record LeaderInDept(
    [property: JsonPropertyName("dept_id")] long DeptId,
    [property: JsonPropertyName("leader")] bool Leader);

public sealed record DingTalkUserDetail
{
    [JsonPropertyName("userid")] public required string UserId { get; init; }
    [JsonPropertyName("unionid")] public string? UnionId { get; init; }
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("mobile")] public string? Mobile { get; init; }
    [JsonPropertyName("title")] public string? Title { get; init; }
    [JsonPropertyName("job_number")] public string? JobNumber { get; init; }
    [JsonPropertyName("dept_id_list")] public IReadOnlyList<long> DeptIdList { get; init; } = [];
    [JsonPropertyName("leader_in_dept")] public IReadOnlyList<LeaderInDept> LeaderInDept { get; init; } = [];
    [JsonPropertyName("manager_userid")] public string? ManagerUserId { get; init; }
    [JsonPropertyName("admin")] public bool Admin { get; init; }
    [JsonPropertyName("boss")] public bool Boss { get; init; }
    [JsonPropertyName("active")] public bool Active { get; init; }
}

/// <summary><c>POST /topapi/v2/department/listsub</c> (direct children; the root is 1).</summary>
public sealed record ListSubDepartmentsRequest(
    [property: JsonPropertyName("dept_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? DeptId,
    [property: JsonPropertyName("language")] string Language = "zh_CN");

public sealed record DingTalkDepartment(
    [property: JsonPropertyName("dept_id")] long DeptId,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("parent_id")] long ParentId);

/// <summary>A file for <c>/media/upload</c>: multipart part <c>media</c>, <c>type</c> on the URL and as a form field (facts §8).</summary>
public sealed record MediaUpload(string Type, string FileName, string ContentType, ReadOnlyMemory<byte> Content)
{
    public static MediaUpload Image(string fileName, string contentType, ReadOnlyMemory<byte> content) =>
        new("image", fileName, contentType, content);
}

public sealed record MediaUploadResponse(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("media_id")] string MediaId);
