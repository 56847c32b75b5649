using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Limits;
using UploadsGrpc.Server.Telemetry;
using UploadsGrpc.Server.Uploads.UploadFile;
using UploadsGrpc.Server.Upstream;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Hosting;

/// <summary>Limits: the memory budget every buffer of callers' bytes shares, each method's message limits, the request frame guard and the idle memory return.</summary>
internal static class LimitsExtensions
{
    private const long MiB = 1024 * 1024;

    public static IServiceCollection AddLimits(this IServiceCollection services)
    {
        services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LimitsOptions>, LimitsOptionsValidation>();
        services.AddSingleton(provider =>
        {
            var streaming = provider.GetRequiredService<IOptions<StreamingOptions>>().Value;
            var limits = provider.GetRequiredService<IOptions<LimitsOptions>>().Value;
            var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
            var (bytes, source) = streaming.MemoryBudgetBytes > 0
                ? (streaming.MemoryBudgetBytes, "Streaming:MemoryBudgetBytes")
                : (MemoryBudget.DefaultBytes(available), $"a quarter of the {available / MiB} MiB the process may use");
            var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger<MemoryBudget>();
            ServerLog.MemoryBudgetSet(logger, bytes / MiB, source, limits.MaxMessageBytes, streaming.MaxChunkBytes, UpstreamLimits.MaxPartMessageBytes);
            return new MemoryBudget(bytes, streaming.MemoryWait, provider.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton(provider =>
        {
            var streaming = provider.GetRequiredService<IOptions<StreamingOptions>>().Value;
            var limits = provider.GetRequiredService<IOptions<LimitsOptions>>().Value;
            // A stream's first message is its metadata, as small as any other message; its chunks follow.
            var chunks = new MethodFrameLimit(limits.MaxMessageBytes, streaming.MaxChunkMessageBytes, $"a chunk (Streaming:MaxChunkBytes, {streaming.MaxChunkBytes})");
            return new FrameLimits(new Dictionary<string, MethodFrameLimit>
            {
                [Path(UploadService.Descriptor.FullName, nameof(UploadService.UploadServiceBase.AddUploadPart))] = MethodFrameLimit.Uniform(UpstreamLimits.MaxPartMessageBytes),
                [Path(UploadService.Descriptor.FullName, nameof(UploadService.UploadServiceBase.UploadFile))] = chunks,
                [Path(FileService.Descriptor.FullName, nameof(FileService.FileServiceBase.CreateFile))] = chunks,
            }, limits.MaxMessageBytes);
        });
        services.AddSingleton(provider =>
        {
            // Enough for the frames of a few calls at once without allocating; emptied whenever the server is idle.
            var pool = new SegmentPool(Math.Min(provider.GetRequiredService<MemoryBudget>().Bytes / 2, 128 * MiB));
            provider.GetRequiredService<IdleMemoryReturn>().Add(pool.Trim);
            return pool;
        });
        services.AddSingleton<IdleMemoryReturn>();
        services.AddHostedService(provider => provider.GetRequiredService<IdleMemoryReturn>());
        return services;
    }

    /// <summary>After the lifecycle's middleware, so a wait for memory ends with the call's token, shutdown included.</summary>
    public static WebApplication UseLimits(this WebApplication app)
    {
        app.UseMiddleware<RequestFrameGuard>();
        return app;
    }

    private static string Path(string service, string method) => $"/{service}/{method}";
}
