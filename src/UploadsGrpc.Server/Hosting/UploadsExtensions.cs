using UploadsGrpc.Server.Uploads;

namespace UploadsGrpc.Server.Hosting;

/// <summary>The unary Upload RPCs' own services.</summary>
internal static class UploadsExtensions
{
    public static IServiceCollection AddUploads(this IServiceCollection services) => services
        .AddSingleton<PartMemoryReclaimer>();
}
