using Grpc.Core;

namespace UploadsGrpc.Server.Telemetry;

/// <summary>
/// Every log event of the service, in one place (docs/log-events.md). Ids increase and are never reused, and names
/// are stable, so operators can alert and query on them; a new event takes the next id, and a retired one leaves a
/// gap. Texts that may quote the API key, such as an upstream's error message, are redacted before they get here.
/// </summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 1, EventName = "EmbeddedEmulatorStarted", Level = LogLevel.Information,
        Message = "Upstream: the embedded emulator at {BaseAddress} (chosen by {Reason}); nothing is sent to OpenAI. Set OPENAI_API_KEY for the real API.")]
    public static partial void EmbeddedEmulatorStarted(ILogger logger, Uri baseAddress, string reason);

    [LoggerMessage(EventId = 2, EventName = "CallFailed", Level = LogLevel.Warning,
        Message = "{Method} failed with {StatusCode}: {Detail} (upstream request id {RequestId})")]
    public static partial void CallFailed(ILogger logger, string method, StatusCode statusCode, string detail, string? requestId);

    [LoggerMessage(EventId = 3, EventName = "CallFailedUnexpectedly", Level = LogLevel.Error, Message = "{Method} failed unexpectedly")]
    public static partial void CallFailedUnexpectedly(ILogger logger, Exception exception, string method);

    [LoggerMessage(EventId = 4, EventName = "UnknownEnumValue", Level = LogLevel.Warning,
        Message = "Upstream sent {Field} = \"{Value}\", which the contract does not name; mapped to _UNSPECIFIED with the string kept in {Field}_value.")]
    public static partial void UnknownEnumValue(ILogger logger, string field, string value);

    [LoggerMessage(EventId = 6, EventName = "UploadCancelledAfterFailure", Level = LogLevel.Information,
        Message = "UploadFile cancelled upload {UploadId} upstream after a failure")]
    public static partial void UploadCancelledAfterFailure(ILogger logger, string uploadId);

    [LoggerMessage(EventId = 7, EventName = "UploadCancelFailed", Level = LogLevel.Warning,
        Message = "UploadFile could not cancel upload {UploadId} upstream: {Reason}")]
    public static partial void UploadCancelFailed(ILogger logger, string uploadId, string reason);

    [LoggerMessage(EventId = 8, EventName = "UploadKeptPending", Level = LogLevel.Information,
        Message = "UploadFile left resumable upload {UploadId} pending after its stream was interrupted")]
    public static partial void UploadKeptPending(ILogger logger, string uploadId);

    [LoggerMessage(EventId = 9, EventName = "DrainStarted", Level = LogLevel.Information,
        Message = "Shutdown: health is NOT_SERVING; calls are still served for {DrainDelaySeconds} s (Shutdown:DrainDelay), then in-flight calls get {TimeoutSeconds} s (Shutdown:Timeout)")]
    public static partial void DrainStarted(ILogger logger, double drainDelaySeconds, double timeoutSeconds);

    [LoggerMessage(EventId = 10, EventName = "DrainDelayEnded", Level = LogLevel.Information,
        Message = "Shutdown: the drain delay ended; GOAWAY goes out, resumable uploads stop for a resume elsewhere, in-flight calls get {TimeoutSeconds} s")]
    public static partial void DrainDelayEnded(ILogger logger, double timeoutSeconds);

    [LoggerMessage(EventId = 11, EventName = "ShutdownTimeoutReached", Level = LogLevel.Warning,
        Message = "Shutdown: Shutdown:Timeout passed; calls still running are cancelled and their upstream requests aborted")]
    public static partial void ShutdownTimeoutReached(ILogger logger);

    [LoggerMessage(EventId = 12, EventName = "UpstreamReachable", Level = LogLevel.Information,
        Message = "Health: the upstream is reachable ({Reason}); uploadsgrpc.upstream is SERVING")]
    public static partial void UpstreamReachable(ILogger logger, string reason);

    [LoggerMessage(EventId = 13, EventName = "UpstreamUnreachable", Level = LogLevel.Warning,
        Message = "Health: the upstream is not reachable ({Reason}); uploadsgrpc.upstream is NOT_SERVING (readiness is not affected)")]
    public static partial void UpstreamUnreachable(ILogger logger, string reason);

    [LoggerMessage(EventId = 14, EventName = "ConnectionLimits", Level = LogLevel.Information,
        Message = "Connections: at most {MaxConnections} at once ({Source}), {MaxStreams} calls each; max age {MaxAge}")]
    public static partial void ConnectionLimits(ILogger logger, long maxConnections, string source, int maxStreams, TimeSpan maxAge);

    [LoggerMessage(EventId = 15, EventName = "TlsCertificateLoaded", Level = LogLevel.Information,
        Message = "TLS: new connections are served {Subject} (thumbprint {Thumbprint}), valid until {NotAfter:yyyy-MM-ddTHH:mm:ssZ}")]
    public static partial void TlsCertificateLoaded(ILogger logger, string subject, string thumbprint, DateTime notAfter);

    [LoggerMessage(EventId = 16, EventName = "TlsClientAuthoritiesLoaded", Level = LogLevel.Information,
        Message = "TLS: client certificates must chain to one of {Count} CA certificates (Tls:ClientCaPath): {Subjects}")]
    public static partial void TlsClientAuthoritiesLoaded(ILogger logger, int count, string subjects);

    [LoggerMessage(EventId = 17, EventName = "TlsReloadFailed", Level = LogLevel.Warning,
        Message = "TLS: {Setting} changed but cannot be used; keeping the {Kept} loaded before: {Problem}")]
    public static partial void TlsReloadFailed(ILogger logger, string setting, string kept, string problem);

    [LoggerMessage(EventId = 18, EventName = "CallersAuthenticated", Level = LogLevel.Information,
        Message = "Callers: authenticated by {Mode} (chosen by {Reason}); {NamedCallers} named caller policies")]
    public static partial void CallersAuthenticated(ILogger logger, string mode, string reason, int namedCallers);

    [LoggerMessage(EventId = 19, EventName = "CallersNotAuthenticated", Level = LogLevel.Warning,
        Message = "Callers: Auth:Mode is None outside Development ({Reason}): anyone who reaches the port may call, as the caller 'anonymous'")]
    public static partial void CallersNotAuthenticated(ILogger logger, string reason);

    [LoggerMessage(EventId = 20, EventName = "CallAudited", Level = LogLevel.Information,
        Message = "Audit: {Caller} called {Rpc}: {Status} (upload {UploadId}, file {FileId}, {Bytes} bytes, upstream request {UpstreamRequestId})")]
    public static partial void CallAudited(ILogger logger, string caller, string rpc, StatusCode status, string? uploadId, string? fileId, long? bytes, string? upstreamRequestId);

    [LoggerMessage(EventId = 40, EventName = "UpstreamRetrying", Level = LogLevel.Information,
        Message = "{Operation} is retried (attempt {Attempt}) in {DelayMs} ms: {Reason}")]
    public static partial void UpstreamRetrying(ILogger logger, string operation, int attempt, double delayMs, string reason);

    [LoggerMessage(EventId = 41, EventName = "CircuitOpened", Level = LogLevel.Warning,
        Message = "The upstream circuit opened: calls fail fast with UNAVAILABLE for {BreakSeconds} s, then one request probes it. Last failure: {Reason}")]
    public static partial void CircuitOpened(ILogger logger, double breakSeconds, string reason);

    [LoggerMessage(EventId = 42, EventName = "CircuitHalfOpened", Level = LogLevel.Information,
        Message = "The upstream circuit is half-open: the next request probes the upstream")]
    public static partial void CircuitHalfOpened(ILogger logger);

    [LoggerMessage(EventId = 43, EventName = "CircuitClosed", Level = LogLevel.Information,
        Message = "The upstream circuit closed: the upstream answers again")]
    public static partial void CircuitClosed(ILogger logger);

    [LoggerMessage(EventId = 50, EventName = "UploadFileClientLeft", Level = LogLevel.Information,
        Message = "UploadFile: the client cancelled or disconnected {Stage}; {Outcome}")]
    public static partial void UploadFileClientLeft(ILogger logger, string stage, string outcome);

    [LoggerMessage(EventId = 51, EventName = "UploadFileIdle", Level = LogLevel.Information,
        Message = "UploadFile: the client sent no message for {IdleSeconds} s (Streaming:IdleTimeout) {Stage}; {Outcome}")]
    public static partial void UploadFileIdle(ILogger logger, double idleSeconds, string stage, string outcome);

    [LoggerMessage(EventId = 52, EventName = "CallEndedByCaller", Level = LogLevel.Information,
        Message = "{Method} ended by its caller ({StatusCode}: cancelled or past its deadline); the upstream request was aborted")]
    public static partial void CallEndedByCaller(ILogger logger, string method, StatusCode statusCode);

    [LoggerMessage(EventId = 60, EventName = "MemoryBudgetSet", Level = LogLevel.Information,
        Message = "Limits: {BudgetMiB} MiB for request bytes and part buffers ({Source}); messages up to {MaxMessageBytes} bytes, UploadFile chunks up to {MaxChunkBytes}, parts up to {MaxPartMessageBytes}")]
    public static partial void MemoryBudgetSet(ILogger logger, long budgetMiB, string source, int maxMessageBytes, int maxChunkBytes, int maxPartMessageBytes);

    [LoggerMessage(EventId = 61, EventName = "RequestFrameRefused", Level = LogLevel.Debug,
        Message = "{Method}: request frame refused, {Reason}: {Detail}")]
    public static partial void RequestFrameRefused(ILogger logger, string method, string reason, string detail);

    [LoggerMessage(EventId = 62, EventName = "IdleMemoryReturned", Level = LogLevel.Debug,
        Message = "Limits: idle for {IdleSeconds:0} s; {TrimmedMiB} MiB of pooled buffers dropped and the heap compacted to {HeapMiB} MiB (large objects {LargeMiB} MiB, pinned {PinnedMiB} MiB); RSS {RssBeforeMiB} MiB before, {RssAfterMiB} MiB after")]
    public static partial void IdleMemoryReturned(ILogger logger, double idleSeconds, long trimmedMiB, long heapMiB, long largeMiB, long pinnedMiB, long rssBeforeMiB, long rssAfterMiB);

    [LoggerMessage(EventId = 63, EventName = "AdminListening", Level = LogLevel.Information,
        Message = "Admin: Prometheus metrics at http://{Address}:{Port}{Path} (HTTP/1.1)")]
    public static partial void AdminListening(ILogger logger, string address, int port, string path);
}
