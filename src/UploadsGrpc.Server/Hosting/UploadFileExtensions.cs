using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Limits;
using UploadsGrpc.Server.Uploads.UploadFile;

namespace UploadsGrpc.Server.Hosting;

/// <summary>UploadFile: the Streaming section, the memory all streams share, the part buffers, and the session.</summary>
internal static class UploadFileExtensions
{
    public static IServiceCollection AddUploadFile(this IServiceCollection services)
    {
        services.AddOptions<StreamingOptions>().BindConfiguration(StreamingOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StreamingOptions>, StreamingOptionsValidation>();
        services.AddSingleton<StreamMemoryBudget>();
        services.AddSingleton(provider =>
        {
            // Enough to keep one stream of the defaults going without allocating (4 × 64 MiB), never more than
            // the budget; emptied whenever the server is idle.
            var defaults = provider.GetRequiredService<IOptions<StreamingOptions>>().Value;
            var keep = Math.Min(provider.GetRequiredService<MemoryBudget>().Bytes, (long)PartBufferPool.ClassOf(defaults.PartSize) * defaults.Parallelism);
            var pool = new PartBufferPool(keep);
            provider.GetRequiredService<IdleMemoryReturn>().Add(pool.Trim);
            return pool;
        });
        services.AddTransient<UploadFileSession>();
        return services;
    }
}
