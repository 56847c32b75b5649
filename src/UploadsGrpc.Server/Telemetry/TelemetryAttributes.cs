namespace UploadsGrpc.Server.Telemetry;

/// <summary>
/// Attribute names of spans and metrics: the OpenTelemetry semantic conventions' where one exists (RPC, HTTP,
/// error), the service's own under <c>uploadsgrpc.</c> otherwise.
/// </summary>
internal static class TelemetryAttributes
{
    public const string RpcSystem = "rpc.system";
    public const string Grpc = "grpc";
    public const string RpcService = "rpc.service";
    public const string RpcMethod = "rpc.method";
    public const string RpcGrpcStatusCode = "rpc.grpc.status_code";
    public const string HttpRequestMethod = "http.request.method";
    public const string HttpResponseStatusCode = "http.response.status_code";
    public const string HttpResendCount = "http.request.resend_count";
    public const string UrlTemplate = "url.template";
    public const string ErrorType = "error.type";

    /// <summary>The reason of the call's ErrorInfo (e.g. UPLOAD_NOT_FOUND), on a failed call's span.</summary>
    public const string ErrorReason = "uploadsgrpc.error.reason";
    public const string Caller = "uploadsgrpc.caller";
    public const string Limit = "uploadsgrpc.limit";
    public const string UploadId = "uploadsgrpc.upload.id";
    public const string FileId = "uploadsgrpc.file.id";

    /// <summary>The upstream's <c>x-request-id</c>, what OpenAI's support asks for.</summary>
    public const string UpstreamRequestId = "uploadsgrpc.upstream.request_id";
}
