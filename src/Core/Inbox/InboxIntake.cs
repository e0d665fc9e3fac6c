using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace SchoolSafety.Core.Inbox;

public enum IntakeResult
{
    /// <summary>A URL check: answer "success", store nothing.</summary>
    UrlCheck,
    /// <summary>Stored now; the worker will process it.</summary>
    Stored,
    /// <summary>Stored before: answer and ignore.</summary>
    Duplicate,
    /// <summary>Not an event: refuse, store nothing.</summary>
    Malformed,
}

/// <summary>
/// Takes a decrypted event from either transport (HTTP push or a Stream EVENT frame) into the inbox. Returns only after
/// the row is committed, so the caller acknowledges only what is stored; a repeated event id stores nothing.
/// </summary>
public sealed partial class InboxIntake(MySqlDataSource db, InboxStore store, InboxSignal signal, ILogger<InboxIntake> logger)
{
    public async Task<IntakeResult> AcceptAsync(string plaintext, string source, CancellationToken ct, string? headerEventId = null, string? headerEventType = null)
    {
        var e = InboxEvent.Parse(plaintext, headerEventId, headerEventType);
        if (e is null)
        {
            Log.Malformed(logger, source);
            return IntakeResult.Malformed;
        }
        if (e.IsUrlCheck)
        {
            Log.UrlCheck(logger, e.EventType);
            return IntakeResult.UrlCheck;
        }
        if (!await store.AddAsync(db, e, source, plaintext, ct))
        {
            Log.Duplicate(logger, e.Key, e.EventType, source);
            return IntakeResult.Duplicate;
        }
        Log.Stored(logger, e.Key, e.EventType, source);
        signal.Notify();
        return IntakeResult.Stored;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Event {EventKey} ({EventType}) stored from {Source}")]
        public static partial void Stored(ILogger logger, string eventKey, string eventType, string source);

        [LoggerMessage(2, LogLevel.Information, "Event {EventKey} ({EventType}) from {Source} was stored before: acknowledged, ignored")]
        public static partial void Duplicate(ILogger logger, string eventKey, string eventType, string source);

        [LoggerMessage(3, LogLevel.Information, "URL check {EventType} answered")]
        public static partial void UrlCheck(ILogger logger, string eventType);

        [LoggerMessage(4, LogLevel.Warning, "An event from {Source} is not a JSON object with an EventType: refused")]
        public static partial void Malformed(ILogger logger, string source);
    }
}

/// <summary>Wakes the worker when an event was stored, so it need not wait for its next poll.</summary>
public sealed class InboxSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        try { _signal.Release(); }
        catch (SemaphoreFullException) { /* already signalled */ }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);
}
