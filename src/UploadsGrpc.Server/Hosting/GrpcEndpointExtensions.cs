using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using UploadsGrpc.Server.Errors;
using UploadsGrpc.Server.Uploads;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Hosting;

/// <summary>The gRPC endpoint: Kestrel's protocol and limits, the error interceptor, reflection and health.</summary>
internal static class GrpcEndpointExtensions
{
    /// <summary>
    /// Kestrel's body limit (30 MB by default) would refuse a full part as UNKNOWN before gRPC could judge it;
    /// it is raised just past gRPC's own message limit so an oversized part meets gRPC's RESOURCE_EXHAUSTED.
    /// grpc-dotnet lifts this limit by itself for streaming calls.
    /// </summary>
    public const long MaxRequestBodyBytes = UpstreamLimits.MaxPartMessageBytes + 64 * 1024;

    public static WebApplicationBuilder AddGrpcEndpoint(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            // Cleartext gRPC needs HTTP/2 with prior knowledge; Kestrel's default (HTTP/1.1 and HTTP/2) would
            // refuse every call with HTTP_1_1_REQUIRED. A coded default would also override the configuration
            // for --urls endpoints, so it is set only when Kestrel:EndpointDefaults:Protocols is not.
            var configured = context.Configuration["Kestrel:EndpointDefaults:Protocols"];
            var protocols = Enum.TryParse<HttpProtocols>(configured, ignoreCase: true, out var parsed) ? parsed : HttpProtocols.Http2;
            kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = protocols);
        });

        var services = builder.Services;
        services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<ErrorInterceptor>();
            // Failures are mapped to precise statuses; raw exception text must not leak to clients.
            grpc.EnableDetailedErrors = false;
        }).AddServiceOptions<UploadGrpcService>(upload => upload.MaxReceiveMessageSize = UpstreamLimits.MaxPartMessageBytes);
        services.AddGrpcReflection();
        // With no check registered grpc-dotnet answers UNKNOWN; "self" makes a running service SERVING,
        // both overall ("") and under its own name, as Kubernetes' gRPC probes ask.
        services.AddGrpcHealthChecks(health =>
        {
            health.Services.Map("", _ => true);
            health.Services.Map(V1.UploadService.Descriptor.FullName, _ => true);
            health.Services.Map(V1.FileService.Descriptor.FullName, _ => true);
        }).AddCheck("self", () => HealthCheckResult.Healthy());
        return builder;
    }
}
