using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Errors;
using UploadsGrpc.Server.Mapping;
using UploadsGrpc.Server.Memory;
using UploadsGrpc.Server.Services;
using UploadsGrpc.Server.Streaming;
using UploadsGrpc.Server.Upstream;
using UploadsGrpc.Server.Validation;

namespace UploadsGrpc.Server.Hosting;

/// <summary>The cross-cutting set-up of the service, in one place.</summary>
internal static class HostingExtensions
{
    /// <summary>
    /// Kestrel's body limit (30 MB by default) would refuse a full part as UNKNOWN before gRPC could judge it;
    /// it is raised just past gRPC's own message limit so an oversized part meets gRPC's RESOURCE_EXHAUSTED.
    /// grpc-dotnet lifts this limit by itself for streaming calls.
    /// </summary>
    public const long MaxRequestBodyBytes = UpstreamLimits.MaxPartMessageBytes + 64 * 1024;

    public static WebApplicationBuilder AddUploadsGrpc(this WebApplicationBuilder builder)
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
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IConfigureOptions<UpstreamOptions>, UpstreamOptionsSetup>();
        // A wrong OPENAI_BASE_URL or timeout stops the start, rather than failing every call later.
        services.AddOptions<UpstreamOptions>().ValidateOnStart();
        services.AddSingleton<SecretRedactor>();
        services.AddSingleton<ErrorMapper>();
        services.AddSingleton<UnknownEnumReporter>();
        services.AddSingleton<PartMemoryReclaimer>();
        services.AddScoped<UpstreamCallInfo>();
        services.AddOptions<StreamingOptions>().BindConfiguration(StreamingOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StreamingOptions>, StreamingOptionsValidation>();
        services.AddSingleton<StreamMemoryBudget>();
        services.AddSingleton(provider => new PartBufferPool(provider.GetRequiredService<StreamMemoryBudget>().Bytes));
        services.AddSingleton<PartRetry>();
        services.AddTransient<UploadFileSession>();
        services.AddSingleton<EmbeddedEmulator>();
        services.AddHostedService(provider => provider.GetRequiredService<EmbeddedEmulator>());

        services.AddSingleton<UpstreamRequestDefaults>();
        services.AddHttpClient(OpenAiUploadsClient.HttpClientName, (provider, http) => provider.GetRequiredService<UpstreamRequestDefaults>().ApplyTo(http))
        // A redirect would turn a POST into a GET or resend a part elsewhere: the caller gets the 3xx as an error instead.
        .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false })
        // The factory's two logging handlers cost about a tenth of a unary call's CPU (bench/RESULTS.md) and log
        // nothing at the configured level; failures are logged once, with the request id, by the error mapper.
        .RemoveAllLoggers()
        // An explicit factory rather than ActivatorUtilities' reflection, which is slow under Native AOT.
        .AddTypedClient((http, provider) => new OpenAiUploadsClient(http, provider.GetRequiredService<UpstreamCallInfo>(),
            provider.GetRequiredService<IOptions<UpstreamOptions>>(), provider.GetRequiredService<TimeProvider>()));

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
            health.Services.Map(UploadsGrpc.V1.UploadService.Descriptor.FullName, _ => true);
            health.Services.Map(UploadsGrpc.V1.FileService.Descriptor.FullName, _ => true);
        }).AddCheck("self", () => HealthCheckResult.Healthy());
        return builder;
    }

    public static WebApplication MapUploadsGrpc(this WebApplication app)
    {
        app.MapGrpcService<UploadGrpcService>();
        app.MapGrpcService<FileGrpcService>();
        app.MapGrpcHealthChecksService();
        // Reflection is what lets buf curl and grpcurl call the service without the protos.
        app.MapGrpcReflectionService();
        return app;
    }
}
