namespace SchoolSafety.Core.Administration;

public enum OutcomeStatus
{
    Ok,
    NotFound,
    Forbidden,
    Invalid,
    Conflict,
}

/// <summary>A refusal with a stable code and a Chinese sentence for people.</summary>
public sealed record Failure(OutcomeStatus Status, string Code, string Message)
{
    public static Failure NotFound(string code, string message) => new(OutcomeStatus.NotFound, code, message);
    public static Failure Forbidden(string message = "无权操作") => new(OutcomeStatus.Forbidden, "forbidden", message);
    public static Failure Invalid(string code, string message) => new(OutcomeStatus.Invalid, code, message);
    public static Failure Conflict(string code, string message) => new(OutcomeStatus.Conflict, code, message);
}

/// <summary>What a use case returns: its value, or a <see cref="Failure"/>. Expected outcomes are values, never exceptions.</summary>
public readonly record struct Outcome<T>
{
    public T? Value { get; }
    public Failure? Failure { get; }

    private Outcome(T? value, Failure? failure)
    {
        Value = value;
        Failure = failure;
    }

    public bool IsOk => Failure is null;

    public static implicit operator Outcome<T>(T value) => new(value, null);
    public static implicit operator Outcome<T>(Failure failure) => new(default, failure);
}

public static class Outcome
{
    /// <summary>A successful outcome (where the implicit conversion cannot apply, e.g. to an interface type).</summary>
    public static Outcome<T> Of<T>(T value) => value;
}
