using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using UploadsGrpc.Server.Errors;
using UploadsGrpc.Server.Lifecycle;
using UploadsGrpc.Server.Tests.Infrastructure;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Tests.Errors;

/// <summary>The error mapper alone, for what end-to-end tests cannot stage: a client resetting its stream mid-read.</summary>
public sealed class ErrorMapperTests : IDisposable
{
    private readonly DrainState _drain = new();
    private readonly RecordingLogger<ErrorMapper> _log = new();
    private readonly ErrorMapper _mapper;

    public ErrorMapperTests() =>
        _mapper = new(new SecretRedactor(Options.Create(new UpstreamOptions())), _drain, TimeProvider.System, _log);

    public void Dispose() => _drain.Dispose();

    private const string ReflectionMethod = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo";

    [Fact]
    public void An_io_error_after_the_caller_went_away_is_CANCELLED_not_an_upstream_failure()
    {
        using var gone = new CancellationTokenSource();
        gone.Cancel();

        var mapped = _mapper.Map(new IOException("The client reset the request stream."), new FixedCallContext(ReflectionMethod, gone.Token), requestId: null);

        Assert.Equal(StatusCode.Cancelled, mapped.StatusCode);
        Assert.Equal("CANCELLED", mapped.Trailers.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
    }

    [Fact]
    public void An_io_error_while_the_caller_waits_is_the_upstream_dropping_the_connection()
    {
        var mapped = _mapper.Map(new IOException("Connection reset by peer."), new FixedCallContext(ReflectionMethod, CancellationToken.None), requestId: null);

        Assert.Equal(StatusCode.Unavailable, mapped.StatusCode);
        Assert.Equal("UPSTREAM_UNAVAILABLE", mapped.Trailers.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
    }

    [Fact]
    public void A_streamed_body_that_found_the_callers_bytes_wrong_is_INVALID_ARGUMENT_naming_the_field()
    {
        var fromBody = new HttpRequestException("Error while copying content to a stream.",
            new InvalidRequestException([new BadRequest.Types.FieldViolation { Field = "bytes", Description = "is 10, but the stream ended after 9 bytes." }]));

        var mapped = _mapper.Map(fromBody, new FixedCallContext("/uploadsgrpc.v1.FileService/CreateFile", CancellationToken.None), requestId: null);

        Assert.Equal(StatusCode.InvalidArgument, mapped.StatusCode);
        var status = mapped.Trailers.GetRpcStatus()!;
        Assert.Equal("INVALID_ARGUMENT", status.GetDetail<ErrorInfo>().Reason);
        Assert.Equal("uploadsgrpc", status.GetDetail<ErrorInfo>().Domain);
        var violation = Assert.Single(status.GetDetail<BadRequest>().FieldViolations);
        Assert.Equal("bytes", violation.Field);
        Assert.Equal("is 10, but the stream ended after 9 bytes.", violation.Description);
    }

    [Fact]
    public void A_call_cancelled_because_the_shutdown_timeout_passed_is_UNAVAILABLE_SHUTTING_DOWN_with_a_retry_delay()
    {
        _drain.BeginDraining();
        _drain.BeginClosing();
        _drain.Expire();

        var mapped = _mapper.Map(new OperationCanceledException(_drain.Expired), new FixedCallContext("/uploadsgrpc.v1.FileService/ListFiles", _drain.Expired), requestId: null);

        Assert.Equal(StatusCode.Unavailable, mapped.StatusCode);
        var status = mapped.Trailers.GetRpcStatus()!;
        Assert.Equal("SHUTTING_DOWN", status.GetDetail<ErrorInfo>().Reason);
        Assert.Equal("uploadsgrpc", status.GetDetail<ErrorInfo>().Domain);
        Assert.Equal(TimeSpan.FromSeconds(1), status.GetDetail<RetryInfo>().RetryDelay.ToTimeSpan());
    }

    [Fact]
    public void An_open_circuit_is_UNAVAILABLE_with_the_time_to_the_probe_as_RetryInfo_and_pushback()
    {
        var mapped = _mapper.Map(new BrokenCircuitException("open", TimeSpan.FromMilliseconds(2500.2)),
            new FixedCallContext("/uploadsgrpc.v1.FileService/GetFile", CancellationToken.None), requestId: null);

        Assert.Equal(StatusCode.Unavailable, mapped.StatusCode);
        var status = mapped.Trailers.GetRpcStatus()!;
        Assert.Equal("UPSTREAM_CIRCUIT_OPEN", status.GetDetail<ErrorInfo>().Reason);
        Assert.Equal("uploadsgrpc", status.GetDetail<ErrorInfo>().Domain);
        Assert.Equal(TimeSpan.FromMilliseconds(2500.2), status.GetDetail<RetryInfo>().RetryDelay.ToTimeSpan());
        // Rounded up: a client must not come back before the probe.
        Assert.Equal("2501", mapped.Trailers.GetValue("grpc-retry-pushback-ms"));
    }

    [Theory]
    [InlineData(429, "retry-after-ms", "1200", StatusCode.ResourceExhausted, "1200")]
    [InlineData(429, null, null, StatusCode.ResourceExhausted, "1000")]
    [InlineData(503, "retry-after-ms", "300", StatusCode.Unavailable, "300")]
    [InlineData(503, null, null, StatusCode.Unavailable, null)]
    [InlineData(500, "retry-after-ms", "300", StatusCode.Internal, null)]
    public void An_upstream_wait_is_RetryInfo_and_pushback_where_the_status_has_one(int http, string? header, string? value, StatusCode code, string? pushback)
    {
        TimeSpan? wait = header is null ? null : TimeSpan.FromMilliseconds(int.Parse(value!, System.Globalization.CultureInfo.InvariantCulture));
        var upstream = new UpstreamException((System.Net.HttpStatusCode)http, new UpstreamError("Slow down.", "rate_limit_error", null, null), "req_1", wait);

        var mapped = _mapper.Map(upstream, new FixedCallContext("/uploadsgrpc.v1.FileService/GetFile", CancellationToken.None), requestId: "req_1");

        Assert.Equal(code, mapped.StatusCode);
        Assert.Equal(pushback, mapped.Trailers.GetValue("grpc-retry-pushback-ms"));
        Assert.Equal(pushback is not null, mapped.Trailers.GetRpcStatus()!.GetDetail<RetryInfo>() is not null);
    }

    [Fact]
    public void A_wait_past_the_callers_deadline_is_RetryInfo_with_a_negative_pushback_so_client_policies_do_not_retry()
    {
        var upstream = new UpstreamException(System.Net.HttpStatusCode.ServiceUnavailable, new UpstreamError("Overloaded.", "server_error", null, null), "req_1", null)
            .WithWaitPastDeadline(TimeSpan.FromSeconds(3));

        var mapped = _mapper.Map(upstream, new FixedCallContext("/uploadsgrpc.v1.FileService/GetFile", CancellationToken.None), requestId: "req_1");

        Assert.Equal(StatusCode.Unavailable, mapped.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), mapped.Trailers.GetRpcStatus()!.GetDetail<RetryInfo>().RetryDelay.ToTimeSpan());
        Assert.Equal("-1", mapped.Trailers.GetValue("grpc-retry-pushback-ms"));
    }

    [Fact]
    public void A_caller_that_leaves_while_the_server_only_drains_is_still_CANCELLED()
    {
        _drain.BeginDraining();
        using var gone = new CancellationTokenSource();
        gone.Cancel();

        var mapped = _mapper.Map(new OperationCanceledException(gone.Token), new FixedCallContext("/uploadsgrpc.v1.FileService/ListFiles", gone.Token), requestId: null);

        Assert.Equal(StatusCode.Cancelled, mapped.StatusCode);
        Assert.Equal("CANCELLED", mapped.Trailers.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
    }

    [Fact]
    public void A_resumable_upload_stopped_by_shutdown_names_the_upload_to_resume()
    {
        var mapped = _mapper.Map(FacadeException.ShuttingDown("upload_abc", kept: true), new FixedCallContext("/uploadsgrpc.v1.UploadService/UploadFile", CancellationToken.None), requestId: null);

        Assert.Equal(StatusCode.Unavailable, mapped.StatusCode);
        var info = mapped.Trailers.GetRpcStatus()!.GetDetail<ErrorInfo>();
        Assert.Equal("SHUTTING_DOWN", info.Reason);
        Assert.Equal("upload_abc", info.Metadata["upload_id"]);
        Assert.Equal("true", info.Metadata["upload_kept"]);
    }

    [Fact]
    public void A_caller_that_leaves_is_one_Information_line_and_an_upstream_failure_a_warning()
    {
        using var gone = new CancellationTokenSource();
        gone.Cancel();

        _mapper.Map(new OperationCanceledException(gone.Token), new FixedCallContext("/uploadsgrpc.v1.FileService/ListFiles", gone.Token), requestId: null);
        _mapper.Map(new IOException("The client reset the request stream."), new FixedCallContext(ReflectionMethod, gone.Token), requestId: null);
        _mapper.Map(new IOException("Connection reset by peer."), new FixedCallContext(ReflectionMethod, CancellationToken.None), requestId: null);

        Assert.Equal(
            [(LogLevel.Information, "CallEndedByCaller"), (LogLevel.Information, "CallEndedByCaller"), (LogLevel.Warning, "CallFailed")],
            _log.Entries.Select(e => (e.Level, e.EventName)));
        Assert.Equal(StatusCode.Cancelled, _log.Entries[0].Values["StatusCode"]);
    }

    [Fact]
    public void A_call_cut_by_the_shutdown_timeout_is_still_a_warning()
    {
        _drain.BeginDraining();
        _drain.Expire();

        _mapper.Map(new OperationCanceledException(_drain.Expired), new FixedCallContext("/uploadsgrpc.v1.FileService/ListFiles", _drain.Expired), requestId: null);

        Assert.Equal((LogLevel.Warning, "CallFailed"), _log.Entries.Select(e => (e.Level, e.EventName)).Single());
    }
}
