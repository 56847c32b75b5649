using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Errors;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Tests;

/// <summary>The error mapper alone, for what end-to-end tests cannot stage: a client resetting its stream mid-read.</summary>
public sealed class ErrorMapperTests
{
    private readonly ErrorMapper _mapper = new(
        new SecretRedactor(Options.Create(new UpstreamOptions())), TimeProvider.System, NullLogger<ErrorMapper>.Instance);

    [Fact]
    public void An_io_error_after_the_caller_went_away_is_CANCELLED_not_an_upstream_failure()
    {
        using var gone = new CancellationTokenSource();
        gone.Cancel();

        var mapped = _mapper.Map(new IOException("The client reset the request stream."), new CallContext(gone.Token), requestId: null);

        Assert.Equal(StatusCode.Cancelled, mapped.StatusCode);
        Assert.Equal("CANCELLED", mapped.Trailers.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
    }

    [Fact]
    public void An_io_error_while_the_caller_waits_is_the_upstream_dropping_the_connection()
    {
        var mapped = _mapper.Map(new IOException("Connection reset by peer."), new CallContext(CancellationToken.None), requestId: null);

        Assert.Equal(StatusCode.Unavailable, mapped.StatusCode);
        Assert.Equal("UPSTREAM_UNAVAILABLE", mapped.Trailers.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
    }

    /// <summary>Only what the mapper reads: the method, the deadline and the caller's token.</summary>
    private sealed class CallContext(CancellationToken token) : ServerCallContext
    {
        protected override string MethodCore => "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo";
        protected override string HostCore => "127.0.0.1";
        protected override string PeerCore => "ipv4:127.0.0.1:1";
        protected override DateTime DeadlineCore => DateTime.MaxValue;
        protected override Metadata RequestHeadersCore { get; } = [];
        protected override CancellationToken CancellationTokenCore => token;
        protected override Metadata ResponseTrailersCore { get; } = [];
        protected override Grpc.Core.Status StatusCore { get; set; }
        protected override WriteOptions? WriteOptionsCore { get; set; }
        protected override AuthContext AuthContextCore { get; } = new(null, []);

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
            throw new NotSupportedException();

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
    }
}
