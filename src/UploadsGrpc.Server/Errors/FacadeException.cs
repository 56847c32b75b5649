using Grpc.Core;

namespace UploadsGrpc.Server.Errors;

/// <summary>
/// A failure the façade itself decided on, other than validation: it carries its status, a stable ErrorInfo
/// reason, and when useful the field it concerns and when to retry.
/// </summary>
internal sealed class FacadeException(StatusCode code, string reason, string message, string? field = null, TimeSpan? retryDelay = null)
    : Exception(message)
{
    public StatusCode Code { get; } = code;

    public string Reason { get; } = reason;

    /// <summary>The request field the failure concerns, reported as a BadRequest field violation.</summary>
    public string? Field { get; } = field;

    public TimeSpan? RetryDelay { get; } = retryDelay;

    /// <summary>More ErrorInfo metadata a client can act on, such as the upload to resume.</summary>
    public (string Key, string? Value)[] Metadata { get; init; } = [];

    public static FacadeException MemoryExhausted(long wanted, long budget, TimeSpan waited) => new(
        StatusCode.ResourceExhausted, FacadeReasons.StreamMemoryExhausted,
        $"The server's memory for upload streams ({budget / (1024 * 1024)} MiB) stayed taken for {waited.TotalSeconds:0.#} s; " +
        $"this stream needs {(wanted + (1024 * 1024) - 1) / (1024 * 1024)} MiB. Retry later, or use a smaller part_size or parallelism.",
        retryDelay: TimeSpan.FromSeconds(1));

    public static FacadeException ShuttingDown(string uploadId, bool kept) => new(
        StatusCode.Unavailable, FacadeReasons.ShuttingDown,
        kept
            ? $"The server is shutting down; upload {uploadId} stays pending: resume it on another call."
            : $"The server is shutting down; upload {uploadId} was cancelled.",
        retryDelay: TimeSpan.FromSeconds(1))
    {
        Metadata = [("upload_id", uploadId), ("upload_kept", kept ? "true" : "false")],
    };

    public static FacadeException ShuttingDownBeforeStart() => new(
        StatusCode.Unavailable, FacadeReasons.ShuttingDown,
        "The server is shutting down and starts no resumable upload; nothing was created. Retry on another replica.",
        retryDelay: TimeSpan.FromSeconds(1));

    public static FacadeException OutOfRange(string field, string message) =>
        new(StatusCode.OutOfRange, FacadeReasons.OutOfRange, message, field);
}
