namespace UploadsGrpc.Server.Errors;

/// <summary>ErrorInfo reasons in the <see cref="ErrorDomains.Facade"/> domain: stable, clients switch on them.</summary>
public static class FacadeReasons
{
    public const string InvalidArgument = "INVALID_ARGUMENT";
    public const string UpstreamUnavailable = "UPSTREAM_UNAVAILABLE";
    public const string UpstreamTimeout = "UPSTREAM_TIMEOUT";
    public const string UpstreamCircuitOpen = "UPSTREAM_CIRCUIT_OPEN";
    public const string UpstreamInvalidResponse = "UPSTREAM_INVALID_RESPONSE";
    public const string DeadlineExceeded = "DEADLINE_EXCEEDED";
    public const string Cancelled = "CANCELLED";
    public const string Internal = "INTERNAL";
    public const string StreamMemoryExhausted = "STREAM_MEMORY_EXHAUSTED";
    public const string ShuttingDown = "SHUTTING_DOWN";
    public const string OutOfRange = "OUT_OF_RANGE";
    public const string ContentLengthMismatch = "CONTENT_LENGTH_MISMATCH";
    public const string CredentialMissing = "CREDENTIAL_MISSING";
    public const string CredentialInvalid = "CREDENTIAL_INVALID";
    public const string IssuerUnavailable = "ISSUER_UNAVAILABLE";
    public const string RpcNotAllowed = "RPC_NOT_ALLOWED";
    public const string PurposeNotAllowed = "PURPOSE_NOT_ALLOWED";
    public const string UploadTooLarge = "UPLOAD_TOO_LARGE";
    public const string CallerRateLimited = "CALLER_RATE_LIMITED";
    public const string CallerStreamsExhausted = "CALLER_STREAMS_EXHAUSTED";
    public const string MalformedMessage = "MALFORMED_MESSAGE";
    public const string MalformedFrame = "MALFORMED_FRAME";
    public const string MessageTooLarge = "MESSAGE_TOO_LARGE";
    public const string UnsupportedEncoding = "UNSUPPORTED_ENCODING";
    public const string UnknownMethod = "UNKNOWN_METHOD";
    public const string UnsupportedContentType = "UNSUPPORTED_CONTENT_TYPE";
    public const string Http2Required = "HTTP2_REQUIRED";
    public const string StreamIdleTimeout = "STREAM_IDLE_TIMEOUT";
}
