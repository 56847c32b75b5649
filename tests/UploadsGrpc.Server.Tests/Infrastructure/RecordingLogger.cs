using Microsoft.Extensions.Logging;

namespace UploadsGrpc.Server.Tests.Infrastructure;

/// <summary>A logger that keeps every entry, so a test can read what a [LoggerMessage] method was given.</summary>
internal sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly Lock _lock = new();
    private readonly List<LogEntry> _entries = [];

    public IReadOnlyList<LogEntry> Entries
    {
        get
        {
            lock (_lock)
            {
                return [.. _entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var values = state is IReadOnlyList<KeyValuePair<string, object?>> pairs
            ? pairs.Where(p => p.Key != "{OriginalFormat}").ToDictionary(p => p.Key, p => p.Value)
            : [];
        var entry = new LogEntry(logLevel, eventId.Name ?? "", formatter(state, exception), values);
        lock (_lock)
        {
            _entries.Add(entry);
        }
    }
}
