namespace UploadsGrpc.Server.Telemetry;

/// <summary>Which requests are gRPC calls: telemetry describes those, not a stray HTTP request to the gRPC port.</summary>
internal static class GrpcRequests
{
    public static bool Is(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);
}
