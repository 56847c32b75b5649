using System.Net;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Errors;
using UploadsGrpc.Server.Lifecycle;
using UploadsGrpc.Server.Tests.Infrastructure;
using UploadsGrpc.Server.Upstream;
using RpcStatus = Google.Rpc.Status;

namespace UploadsGrpc.Server.Tests.Errors;

/// <summary>
/// What the error mapper lets out, whoever built the status: no secret in any text, grpc-message at most 1024
/// chars, metadata values and BadRequest texts at most 256, an UPPER_SNAKE reason, a request id a trailer can carry.
/// Upstream errors here come unredacted, as if the client's own redaction had missed them.
/// </summary>
public sealed class ErrorBoundsTests : IDisposable
{
    private const string Key = "sk-live-Secret0123456789abcdef";
    private readonly DrainState _drain = new();
    private readonly RecordingLogger<ErrorMapper> _log = new();
    private readonly ErrorMapper _mapper;

    public ErrorBoundsTests() =>
        _mapper = new(new SecretRedactor(Options.Create(new UpstreamOptions { ApiKey = Key })), _drain, TimeProvider.System, _log);

    public void Dispose() => _drain.Dispose();

    private RpcException Map(Exception exception, string? requestId = "req_1") =>
        _mapper.Map(exception, new FixedCallContext("/uploadsgrpc.v1.UploadService/CreateUpload", CancellationToken.None), requestId);

    [Fact]
    public void An_upstream_error_quoting_the_key_everywhere_leaks_it_nowhere()
    {
        var error = new UpstreamError($"Bearer {Key} refused\nsecond line", Key, Key, Key);

        var mapped = Map(new UpstreamException(HttpStatusCode.BadRequest, error, "req_1", null));

        Assert.Equal(StatusCode.InvalidArgument, mapped.StatusCode);
        Assert.Equal("Bearer [redacted] refused second line", mapped.Status.Detail);
        var status = mapped.Trailers.GetRpcStatus()!;
        var info = status.GetDetail<ErrorInfo>();
        Assert.Equal("HTTP_400", info.Reason);
        Assert.Equal("[redacted]", info.Metadata["code"]);
        Assert.Equal("[redacted]", info.Metadata["type"]);
        Assert.Equal("[redacted]", info.Metadata["param"]);
        var violation = Assert.Single(status.GetDetail<BadRequest>().FieldViolations);
        Assert.Equal("[redacted]", violation.Field);
        Assert.Equal("Bearer [redacted] refused\nsecond line".Replace(Key, "[redacted]", StringComparison.Ordinal), violation.Description);
        var line = Assert.Single(_log.Entries);
        Assert.DoesNotContain(Key, line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line.Message);
    }

    [Fact]
    public void Long_texts_are_cut_with_a_mark()
    {
        var error = new UpstreamError(new string('m', 2500), "invalid_request_error", new string('p', 1000), new string('c', 1000));

        var mapped = Map(new UpstreamException(HttpStatusCode.BadRequest, error, "req_1", null));

        Assert.Equal(new string('m', 1023) + "…", mapped.Status.Detail);
        var status = mapped.Trailers.GetRpcStatus()!;
        var info = status.GetDetail<ErrorInfo>();
        Assert.Equal("INVALID_REQUEST_ERROR", info.Reason);
        Assert.Equal(new string('c', 255) + "…", info.Metadata["code"]);
        Assert.Equal(new string('p', 255) + "…", info.Metadata["param"]);
        var violation = Assert.Single(status.GetDetail<BadRequest>().FieldViolations);
        Assert.Equal(new string('p', 255) + "…", violation.Field);
        Assert.Equal(new string('m', 255) + "…", violation.Description);
    }

    [Fact]
    public void A_cut_never_splits_a_surrogate_pair()
    {
        var text = new string('a', 1022) + "😀😀";

        Assert.Equal(new string('a', 1022) + "…", TextBounds.Cut(text, TextBounds.MaxMessageChars));
    }

    [Theory]
    [InlineData("not snake", "HTTP_418")]
    [InlineData("9LIVES", "HTTP_418")]
    [InlineData("ENDS_", "HTTP_418")]
    [InlineData("OK\n", "HTTP_418")]
    [InlineData("FINE_REASON", "FINE_REASON")]
    public void A_status_built_elsewhere_with_a_reason_ErrorInfo_does_not_allow_gets_the_HTTP_one(string reason, string expected)
    {
        var info = new ErrorInfo { Domain = ErrorDomains.Upstream, Reason = reason, Metadata = { ["http_status"] = "418" } };
        var status = new RpcStatus { Code = (int)StatusCode.FailedPrecondition, Message = "m", Details = { Google.Protobuf.WellKnownTypes.Any.Pack(info) } };

        var mapped = Map(status.ToRpcException());

        Assert.Equal(expected, mapped.Trailers.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
    }

    [Theory]
    [InlineData("req_\u00e9")]
    [InlineData("req 1")]
    [InlineData("req-" + Key)]
    public void A_request_id_a_trailer_cannot_carry_is_left_out(string requestId)
    {
        var mapped = Map(new UpstreamException(HttpStatusCode.NotFound, new UpstreamError("gone", null, null, null), requestId, null), requestId);

        Assert.Equal(StatusCode.NotFound, mapped.StatusCode);
        Assert.Null(mapped.Trailers.Get("x-request-id"));
        Assert.Null(Assert.Single(_log.Entries).Values["RequestId"]);
    }

    [Fact]
    public void A_value_found_out_of_range_after_the_read_has_no_http_status()
    {
        var mapped = Map(new UpstreamProtocolException("The upstream sent the Unix time 9223372036854775807, outside 0001-01-01..9999-12-31.", null, null));

        Assert.Equal(StatusCode.Internal, mapped.StatusCode);
        var info = mapped.Trailers.GetRpcStatus()!.GetDetail<ErrorInfo>();
        Assert.Equal(FacadeReasons.UpstreamInvalidResponse, info.Reason);
        Assert.Empty(info.Metadata);
        var line = Assert.Single(_log.Entries);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, line.Level);
        Assert.Equal("CallFailed", line.EventName);
    }

    [Fact]
    public void A_huge_Retry_After_reaches_RetryInfo_as_one_hour()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.TryAddWithoutValidation("Retry-After", "1e300");

        var mapped = Map(new UpstreamException(HttpStatusCode.TooManyRequests, new UpstreamError("slow", null, null, null), "req_1",
            RetryAfter.Read(response.Headers, TimeProvider.System)));

        Assert.Equal(StatusCode.ResourceExhausted, mapped.StatusCode);
        Assert.Equal(TimeSpan.FromHours(1), mapped.Trailers.GetRpcStatus()!.GetDetail<RetryInfo>().RetryDelay.ToTimeSpan());
    }
}
