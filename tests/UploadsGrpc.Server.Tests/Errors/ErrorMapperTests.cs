using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Errors;
using UploadsGrpc.Server.Tests.Infrastructure;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Tests.Errors;

/// <summary>The error mapper alone, for what end-to-end tests cannot stage: a client resetting its stream mid-read.</summary>
public sealed class ErrorMapperTests
{
    private readonly ErrorMapper _mapper = new(
        new SecretRedactor(Options.Create(new UpstreamOptions())), TimeProvider.System, NullLogger<ErrorMapper>.Instance);

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
}
