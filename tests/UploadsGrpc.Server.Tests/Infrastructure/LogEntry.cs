using Microsoft.Extensions.Logging;

namespace UploadsGrpc.Server.Tests.Infrastructure;

/// <summary>One log call <see cref="RecordingLogger{T}"/> received, with its structured values by name.</summary>
internal sealed record LogEntry(LogLevel Level, string EventName, string Message, IReadOnlyDictionary<string, object?> Values);
