using Grpc.Core;

namespace UploadsGrpc.Server.Tests.Infrastructure;

/// <summary>
/// A ServerCallContext with only what the error mapper reads: the method, no deadline, and the caller's token.
/// The benchmarks project links this file too, so both measure and test the mapper with the same context.
/// </summary>
internal sealed class FixedCallContext(string method, CancellationToken token) : ServerCallContext
{
    protected override string MethodCore => method;
    protected override string HostCore => "127.0.0.1";
    protected override string PeerCore => "ipv4:127.0.0.1:1";
    protected override DateTime DeadlineCore => DateTime.MaxValue;
    protected override Metadata RequestHeadersCore { get; } = [];
    protected override CancellationToken CancellationTokenCore => token;
    protected override Metadata ResponseTrailersCore { get; } = [];
    protected override Status StatusCore { get; set; }
    protected override WriteOptions? WriteOptionsCore { get; set; }
    protected override AuthContext AuthContextCore { get; } = new(null, []);

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
        throw new NotSupportedException();

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
}
