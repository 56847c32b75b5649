namespace UploadsGrpc.Server.Errors;

/// <summary>ErrorInfo reasons in the <see cref="ErrorDomains.Facade"/> domain: stable, clients switch on them.</summary>
public static class FacadeReasons
{
    public const string InvalidArgument = "INVALID_ARGUMENT";
    public const string UpstreamUnavailable = "UPSTREAM_UNAVAILABLE";
    public const string UpstreamTimeout = "UPSTREAM_TIMEOUT";
    public const string UpstreamInvalidResponse = "UPSTREAM_INVALID_RESPONSE";
    public const string DeadlineExceeded = "DEADLINE_EXCEEDED";
    public const string Cancelled = "CANCELLED";
    public const string Internal = "INTERNAL";
    public const string StreamMemoryExhausted = "STREAM_MEMORY_EXHAUSTED";
    public const string ShuttingDown = "SHUTTING_DOWN";
    public const string OutOfRange = "OUT_OF_RANGE";
    public const string ContentLengthMismatch = "CONTENT_LENGTH_MISMATCH";
}
