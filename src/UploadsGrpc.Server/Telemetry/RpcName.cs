using Grpc.AspNetCore.Server;

namespace UploadsGrpc.Server.Telemetry;

/// <summary>
/// A call's service and method as the contract names them (<c>uploadsgrpc.v1.UploadService</c>,
/// <c>CancelUpload</c>), taken from the route the call matched, never from its path: a path no method has would
/// otherwise become a label of its own, one per path a caller cares to send.
/// </summary>
internal readonly record struct RpcName(string Service, string Method, bool Streaming)
{
    /// <summary>What a request that matched no method of the contract is counted as.</summary>
    public static readonly RpcName Other = new("_OTHER", "_OTHER", Streaming: false);

    /// <summary>The RPC an endpoint serves, or <see cref="Other"/> for one that is no method of the contract.</summary>
    public static RpcName Of(Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method is { } method
            ? new RpcName(method.ServiceName, method.Name, method.Type != Grpc.Core.MethodType.Unary)
            : Other;

    /// <summary>The span name the RPC conventions give: <c>{rpc.service}/{rpc.method}</c>.</summary>
    public string SpanName { get; } = $"{Service}/{Method}";
}
