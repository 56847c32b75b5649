using System.Net;

namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// An answer that is not what the operation promises: a 2xx body that is not its JSON object, a value out of
/// range, or a redirect (never followed). <see cref="StatusCode"/> is null when found after the response was read.
/// </summary>
internal sealed class UpstreamProtocolException(string message, HttpStatusCode? statusCode, string? requestId, Exception? inner = null)
    : Exception(message, inner)
{
    public HttpStatusCode? StatusCode { get; } = statusCode;

    public string? RequestId { get; } = requestId;
}
