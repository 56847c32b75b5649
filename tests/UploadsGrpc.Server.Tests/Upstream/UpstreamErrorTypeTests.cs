using System.Net;
using UploadsGrpc.Server.Upstream;
using UploadsGrpc.Server.Upstream.Json;

namespace UploadsGrpc.Server.Tests.Upstream;

/// <summary>error.type of a failed attempt: a small fixed set, never an exception's text.</summary>
public sealed class UpstreamErrorTypeTests
{
    public static TheoryData<Exception?, string> Failures => new()
    {
        { new UpstreamException(HttpStatusCode.ServiceUnavailable, new UpstreamError("m", "server_error", null, null), "req_1", null, null), "503" },
        { new UpstreamException(HttpStatusCode.TooManyRequests, new UpstreamError("m", "requests", null, null), null, null, null), "429" },
        { new UpstreamTimeoutException(TimeSpan.FromSeconds(1)), "timeout" },
        { new UpstreamProtocolException("not JSON", HttpStatusCode.OK, null), "invalid_response" },
        { new HttpRequestException(HttpRequestError.ConnectionError, "refused /v1/files/file-secret"), "connection_error" },
        { new HttpRequestException(HttpRequestError.ResponseEnded, "cut"), "response_ended" },
        { new HttpRequestException(HttpRequestError.NameResolutionError, "dns"), "name_resolution_error" },
        { new HttpRequestException("unknown"), "_OTHER" },
        { new TaskCanceledException(), "canceled" },
        { new InvalidOperationException("bug"), "_OTHER" },
        { null, "_OTHER" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Each_failure_has_its_error_type(Exception? failure, string expected) => Assert.Equal(expected, UpstreamErrorType.Of(failure));
}
