using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Callers;
using UploadsGrpc.Server.Errors;
using UploadsGrpc.Server.Lifecycle;
using UploadsGrpc.Server.Limits;
using UploadsGrpc.Server.Telemetry;
using UploadsGrpc.Server.Uploads;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Hosting;

/// <summary>The gRPC endpoint: Kestrel's protocol, limits and connection lifetime, the error interceptor, reflection and health.</summary>
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
            ApplyConnectionLimits(kestrel);
            // Cleartext gRPC needs HTTP/2 with prior knowledge; Kestrel's default (HTTP/1.1 and HTTP/2) would
            // refuse every call with HTTP_1_1_REQUIRED. With TLS the same setting is what ALPN offers (h2). A coded
            // default would also override the configuration for --urls endpoints, so it is set only when
            // Kestrel:EndpointDefaults:Protocols is not.
            var configured = context.Configuration["Kestrel:EndpointDefaults:Protocols"];
            var protocols = Enum.TryParse<HttpProtocols>(configured, ignoreCase: true, out var parsed) ? parsed : HttpProtocols.Http2;
            var age = kestrel.ApplicationServices.GetRequiredService<ConnectionAge>();
            // One action for every endpoint (--urls, ASPNETCORE_HTTP_PORTS, Kestrel:Endpoints): a second call would replace it.
            kestrel.ConfigureEndpointDefaults(listen =>
            {
                listen.Protocols = protocols;
                listen.Use(age.Wrap);
                // Inside the age: a connection's age runs from its accept, handshake included.
                listen.UseTlsWhenConfigured(kestrel.ApplicationServices);
            });
        });

        var services = builder.Services;
        services.AddGrpc(grpc =>
        {
            // Admission first, so a refusal comes before anything else runs; failures inside it then meet the mapper.
            // The ids a call's messages name reach its span and log scope, whether it is admitted or not.
            grpc.Interceptors.Add<CallTelemetryInterceptor>();
            grpc.Interceptors.Add<CallerInterceptor>();
            grpc.Interceptors.Add<ErrorInterceptor>();
            // Failures are mapped to precise statuses; raw exception text must not leak to clients.
            grpc.EnableDetailedErrors = false;
        }).AddServiceOptions<UploadGrpcService>(upload => upload.MaxReceiveMessageSize = UpstreamLimits.MaxPartMessageBytes);
        // The request frame guard (Limits/) refuses an oversized message first, with its ErrorInfo; grpc-dotnet's
        // own limit still applies to a message's size after decompression, so it is set to the largest any
        // method takes (its default, 4 MiB, would refuse larger Streaming:MaxChunkBytes before the guard's limit).
        services.AddOptions<GrpcServiceOptions>().Configure<FrameLimits>((grpc, limits) => grpc.MaxReceiveMessageSize = limits.Largest);
        services.AddGrpcReflection();
        // Readiness (the overall service "", as Kubernetes' gRPC probes ask, and each service by name) is the
        // process being up and not draining; the upstream's reachability has its own name and never joins it.
        services.AddGrpcHealthChecks(health =>
        {
            // grpc-dotnet would end every Watch at the signal; they stay open through the drain delay instead,
            // reading NOT_SERVING, and end with it (ShutdownCancellationMiddleware).
            health.SuppressCompletionOnShutdown = true;
            foreach (var name in HealthNames.Ready)
            {
                health.Services.Map(name, check => check.Tags.Contains(HealthNames.ReadyTag));
            }
            health.Services.Map(HealthNames.Upstream, check => check.Tags.Contains(HealthNames.UpstreamTag));
        })
            .AddCheck<ReadinessHealthCheck>(HealthNames.ReadyTag, tags: [HealthNames.ReadyTag])
            .AddCheck<UpstreamHealthCheck>(HealthNames.UpstreamTag, tags: [HealthNames.UpstreamTag]);
        return builder;
    }

    /// <summary>
    /// The caps come from the Connections section because ASP.NET Core binds only Kestrel:Endpoints,
    /// EndpointDefaults and Certificates from configuration: <c>Kestrel__Limits__*</c> variables are never read.
    /// </summary>
    private static void ApplyConnectionLimits(KestrelServerOptions kestrel)
    {
        var connections = kestrel.ApplicationServices.GetRequiredService<IOptions<ConnectionsOptions>>().Value;
        var (cap, source) = DescriptorLimit.Resolve(connections);
        kestrel.Limits.MaxConcurrentConnections = cap;
        kestrel.Limits.Http2.MaxStreamsPerConnection = connections.MaxStreamsPerConnection;
        kestrel.Limits.Http2.KeepAlivePingDelay = connections.KeepAlivePingDelay;
        kestrel.Limits.Http2.KeepAlivePingTimeout = connections.KeepAlivePingTimeout;
        var logger = kestrel.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger<ConnectionAge>();
        ServerLog.ConnectionLimits(logger, cap, source, connections.MaxStreamsPerConnection, connections.MaxAge);
    }
}
