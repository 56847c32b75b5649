using UploadsGrpc.Server.Uploads.UploadFile;

namespace UploadsGrpc.Server.Hosting;

/// <summary>UploadFile: the Streaming section, the memory all streams share, the part buffers and retry, and the session.</summary>
internal static class UploadFileExtensions
{
    public static IServiceCollection AddUploadFile(this IServiceCollection services)
    {
        services.AddOptions<StreamingOptions>().BindConfiguration(StreamingOptions.Section).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<StreamingOptions>, StreamingOptionsValidation>();
        services.AddSingleton<StreamMemoryBudget>();
        services.AddSingleton(provider => new PartBufferPool(provider.GetRequiredService<StreamMemoryBudget>().Bytes));
        services.AddSingleton<PartRetry>();
        services.AddTransient<UploadFileSession>();
        return services;
    }
}
