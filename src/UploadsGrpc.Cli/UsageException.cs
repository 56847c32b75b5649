namespace UploadsGrpc.Cli;

/// <summary>An option that parsed but cannot be used (an unreadable certificate file, say): exit code 2, one line, no stack trace.</summary>
internal sealed class UsageException(string message) : Exception(message);
