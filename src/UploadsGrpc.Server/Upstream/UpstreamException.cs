using System.Net;

namespace UploadsGrpc.Server.Upstream;

/// <summary>The upstream answered with a status other than 2xx.</summary>
internal sealed class UpstreamException(
    HttpStatusCode statusCode,
    UpstreamError error,
    string? requestId,
    TimeSpan? retryAfter)
    : Exception(error.Message)
{
    public HttpStatusCode StatusCode { get; } = statusCode;

    /// <summary>The parsed <c>{"error": {...}}</c> body, or a description of a body that was not one.</summary>
    public UpstreamError Error { get; } = error;

    public string? RequestId { get; } = requestId;

    /// <summary>When the upstream said to retry (retry-after-ms or Retry-After), if it did.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
