using System.Net;

namespace UploadsGrpc.Server.Upstream;

/// <summary>The upstream answered with a status other than 2xx.</summary>
internal sealed class UpstreamException(
    HttpStatusCode statusCode,
    UpstreamError error,
    string? requestId,
    TimeSpan? retryAfter,
    bool? shouldRetry = null,
    bool waitPastDeadline = false)
    : Exception(error.Message)
{
    public HttpStatusCode StatusCode { get; } = statusCode;

    /// <summary>The parsed <c>{"error": {...}}</c> body, or a description of a body that was not one.</summary>
    public UpstreamError Error { get; } = error;

    public string? RequestId { get; } = requestId;

    /// <summary>When the upstream said to retry (retry-after-ms or Retry-After), if it did.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>The upstream's <c>x-should-retry</c>, which decides whether to retry before the status does.</summary>
    public bool? ShouldRetry { get; } = shouldRetry;

    /// <summary>
    /// Whether <see cref="RetryAfter"/> is a wait that ends after the caller's deadline: a retry then cannot succeed in
    /// time, so the caller's own retry policy is told not to (a negative pushback), and RetryInfo says when it could.
    /// </summary>
    public bool WaitPastDeadline { get; } = waitPastDeadline;

    /// <summary>The same answer with the wait a retry would have taken, when the caller's deadline left no time for it.</summary>
    public UpstreamException WithWaitPastDeadline(TimeSpan wait) => new(StatusCode, Error, RequestId, wait, ShouldRetry, waitPastDeadline: true);
}
