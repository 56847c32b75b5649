using Microsoft.Extensions.DependencyInjection.Extensions;
using UploadsGrpc.Emulator.Endpoints;
using UploadsGrpc.Emulator.Errors;
using UploadsGrpc.Emulator.Faults;
using UploadsGrpc.Emulator.Json;
using UploadsGrpc.Emulator.State;
using UploadsGrpc.Emulator.Storage;

namespace UploadsGrpc.Emulator.Hosting;

/// <summary>The emulator's set-up in one place, for the standalone app and for a host that embeds it.</summary>
public static class EmulatorExtensions
{
    /// <summary>Registers the emulator's services, reading the <c>Emulator</c> section. A registered TimeProvider is its clock.</summary>
    public static IServiceCollection AddUploadsEmulator(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EmulatorOptions>().Bind(configuration.GetSection(EmulatorOptions.SectionName));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(provider => new EmulatorClock(provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<BlobStore>();
        services.AddSingleton<FileStore>();
        services.AddSingleton<UploadStore>();
        services.AddSingleton<FaultInjector>();
        services.AddSingleton<RequestLog>();
        services.AddHostedService<ExpirySweeper>();
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, EmulatorJsonContext.Default));
        return services;
    }

    /// <summary>Maps <c>/v1</c> (bearer key, then faults, then the API) and <c>/_admin</c>.</summary>
    public static WebApplication MapUploadsEmulator(this WebApplication app)
    {
        app.UseMiddleware<ApiErrorMiddleware>();
        var log = app.Services.GetRequiredService<RequestLog>();
        // After the error middleware: a request it turns into an error body is counted as it ends here, and one
        // aborted while a fault's latency was waited (that wait observes RequestAborted) is counted as aborted.
        app.Use((http, next) => http.Request.Path.StartsWithSegments("/v1") ? log.RecordAsync(http, next) : next(http));
        var v1 = app.MapGroup("/v1");
        v1.AddEndpointFilter<BearerKeyFilter>();
        v1.AddEndpointFilter<FaultFilter>();
        v1.MapUploadEndpoints();
        v1.MapFileEndpoints();
        app.MapAdminEndpoints();
        return app;
    }
}
