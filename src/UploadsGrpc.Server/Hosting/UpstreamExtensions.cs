using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Lifecycle;
using UploadsGrpc.Server.Telemetry;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Hosting;

/// <summary>The upstream: its settings, the embedded emulator when chosen, and the typed HTTP client.</summary>
internal static class UpstreamExtensions
{
    public static IServiceCollection AddUpstream(this IServiceCollection services)
    {
        // A wrong OPENAI_BASE_URL, mode or timeout stops the start, rather than failing every call later.
        services.AddOptions<UpstreamOptions>().BindConfiguration(UpstreamOptions.Section).ValidateOnStart();
        services.AddSingleton<IConfigureOptions<UpstreamOptions>, UpstreamSdkVariables>();
        services.AddSingleton<IPostConfigureOptions<UpstreamOptions>, UpstreamModeSetup>();
        services.AddSingleton<IValidateOptions<UpstreamOptions>, UpstreamOptionsValidation>();
        services.AddScoped<UpstreamCallInfo>();
        services.AddScoped(provider =>
        {
            var upstream = provider.GetRequiredService<IOptions<UpstreamOptions>>().Value;
            return new UpstreamIdentity(upstream.ResolvedMode == UpstreamMode.Emulator, upstream.Organization, upstream.Project);
        });
        services.AddSingleton<EmbeddedEmulator>();
        services.AddHostedService(provider => provider.GetRequiredService<EmbeddedEmulator>());
        services.AddSingleton<UpstreamRequestDefaults>();
        services.AddSingleton<UpstreamReachability>();
        services.AddSingleton(provider => new UpstreamResilience(provider.GetRequiredService<IOptions<UpstreamOptions>>(),
            provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<ILogger<UpstreamResilience>>(),
            metrics: provider.GetRequiredService<UploadsGrpcMetrics>()));

        services.AddHttpClient(OpenAiUploadsClient.HttpClientName, (provider, http) => provider.GetRequiredService<UpstreamRequestDefaults>().ApplyTo(http))
            // A redirect would turn a POST into a GET or resend a part elsewhere: the caller gets the 3xx as an error instead.
            // Upstream connections are capped like client ones: each client connection may carry 100 calls, and
            // every upstream HTTP/1.1 request needs a connection (a descriptor) of its own; more requests wait.
            .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                MaxConnectionsPerServer = (int)Math.Min(int.MaxValue, DescriptorLimit.Resolve(provider.GetRequiredService<IOptions<ConnectionsOptions>>().Value).Cap),
            })
            // The factory's logging handlers log nothing at the configured level and cost CPU on every call
            // (bench/ANALYSIS.md); failures are logged once, with the request id, by the error mapper.
            .RemoveAllLoggers()
            // Each attempt counted by route and status (uploadsgrpc.upstream.request.duration).
            .AddHttpMessageHandler(provider => new UpstreamMetricsHandler(provider.GetRequiredService<UploadsGrpcMetrics>(), provider.GetRequiredService<TimeProvider>()))
            // An explicit factory rather than ActivatorUtilities' reflection, which is slow under Native AOT.
            .AddTypedClient((http, provider) => new OpenAiUploadsClient(http, provider.GetRequiredService<UpstreamCallInfo>(),
                provider.GetRequiredService<IOptions<UpstreamOptions>>(), provider.GetRequiredService<TimeProvider>(),
                provider.GetRequiredService<UpstreamReachability>(), provider.GetRequiredService<UpstreamIdentity>(),
                provider.GetRequiredService<UpstreamResilience>(), provider.GetRequiredService<UploadsGrpcMetrics>()));
        return services;
    }
}
