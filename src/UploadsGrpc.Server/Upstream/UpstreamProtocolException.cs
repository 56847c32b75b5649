using System.Net;

namespace UploadsGrpc.Server.Upstream;

/// <summary>A 2xx response whose body is not the JSON object the operation promises.</summary>
internal sealed class UpstreamProtocolException(string message, HttpStatusCode statusCode, string? requestId, Exception? inner = null)
    : Exception(message, inner)
{
    public HttpStatusCode StatusCode { get; } = statusCode;

    public string? RequestId { get; } = requestId;
}
