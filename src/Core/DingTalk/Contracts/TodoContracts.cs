using System.Text.Json.Serialization;

namespace SchoolSafety.Core.DingTalk.Contracts;

public sealed record TodoDetailUrl(
    [property: JsonPropertyName("appUrl")] string AppUrl,
    [property: JsonPropertyName("pcUrl")] string PcUrl);

/// <summary><c>POST /v1.0/todo/users/{unionId}/tasks</c> (facts §10). All ids are unionIds.</summary>
public sealed record TodoCreate
{
    [JsonPropertyName("subject")] public required string Subject { get; init; }
    [JsonPropertyName("executorIds")] public IReadOnlyList<string> ExecutorIds { get; init; } = [];
    [JsonPropertyName("detailUrl")] public required TodoDetailUrl DetailUrl { get; init; }
    [JsonPropertyName("sourceId"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? SourceId { get; init; }
    [JsonPropertyName("description"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Description { get; init; }
    [JsonPropertyName("dueTime"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? DueTime { get; init; }
    [JsonPropertyName("priority"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Priority { get; init; }
    /// <summary><c>{dingNotify:"1"}</c>: DingTalk notifies the executors of the new to-do (DING), so it tells what a reminder would.</summary>
    [JsonPropertyName("notifyConfigs"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public TodoNotifyConfigs? NotifyConfigs { get; init; }
}

public sealed record TodoNotifyConfigs([property: JsonPropertyName("dingNotify")] string DingNotify)
{
    public static TodoNotifyConfigs Ding { get; } = new("1");
}

/// <summary><c>PUT /v1.0/todo/users/{unionId}/tasks/{taskId}</c>: only the fields set are sent.</summary>
public sealed record TodoUpdate
{
    [JsonPropertyName("subject"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Subject { get; init; }
    [JsonPropertyName("description"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Description { get; init; }
    [JsonPropertyName("dueTime"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? DueTime { get; init; }
    [JsonPropertyName("done"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? Done { get; init; }
    [JsonPropertyName("executorIds"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? ExecutorIds { get; init; }
}

public sealed record DingTalkTodo(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("subject")] string? Subject,
    [property: JsonPropertyName("sourceId")] string? SourceId,
    [property: JsonPropertyName("done")] bool Done);
