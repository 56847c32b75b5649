using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Lifecycle;

namespace UploadsGrpc.Server.Hosting;

/// <summary>Lifecycle: the drain on SIGTERM, the call cancellation at its end, connection age and caps, and the upstream probe.</summary>
internal static class LifecycleExtensions
{
    public static IServiceCollection AddLifecycle(this IServiceCollection services)
    {
        services.AddOptions<ShutdownOptions>().BindConfiguration(ShutdownOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ShutdownOptions>, ShutdownOptionsValidation>();
        // The host must wait for the whole drain; its default (30 s) would cut the delay plus the timeout short.
        services.AddOptions<HostOptions>().Configure<IOptions<ShutdownOptions>>((host, shutdown) => host.ShutdownTimeout = shutdown.Value.HostShutdownTimeout());
        services.AddSingleton<DrainState>();
        services.AddSingleton<ServingStatus>();
        services.AddHostedService<DrainCoordinator>();

        services.AddOptions<ConnectionsOptions>().BindConfiguration(ConnectionsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConnectionsOptions>, ConnectionsOptionsValidation>();
        services.AddSingleton<ConnectionAge>();

        services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HealthOptions>, HealthOptionsValidation>();
        services.AddHostedService<UpstreamProbe>();
        return services;
    }

    /// <summary>Before the gRPC endpoints, so every call's token includes the end of the shutdown timeout.</summary>
    public static WebApplication UseLifecycle(this WebApplication app)
    {
        app.UseMiddleware<ShutdownCancellationMiddleware>();
        return app;
    }
}
