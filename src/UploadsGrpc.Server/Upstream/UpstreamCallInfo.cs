using UploadsGrpc.Server.Telemetry;

namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// What one gRPC call learned from the upstream, scoped to that call, so the error interceptor can return
/// the upstream <c>x-request-id</c> on success and failure alike without each method passing it along.
/// </summary>
internal sealed class UpstreamCallInfo : IUpstreamRequestIdSource
{
    public string? RequestId { get; set; }
}
