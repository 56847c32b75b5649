using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Server.Model;
using Grpc.Net.Compression;
using Microsoft.Extensions.DependencyInjection.Extensions;
using UploadsGrpc.Server.Limits;
using UploadsGrpc.Server.Protocol;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Hosting;

/// <summary>
/// Precise statuses for requests whose bytes are not what gRPC promises: guarded request marshallers, guarded
/// decompression, and ErrorInfo for the statuses grpc-dotnet writes by itself.
/// </summary>
internal static class ProtocolExtensions
{
    /// <summary>
    /// Replaces grpc-dotnet's binder of generated services with <see cref="GuardedServiceMethodProvider{TService}"/>.
    /// Called after every AddGrpc* (reflection and health checks call AddGrpc again, which would add the default
    /// binder back); with both binders every method would be bound twice and every call would fail to route.
    /// </summary>
    public static IServiceCollection AddProtocolGuards(this IServiceCollection services)
    {
        var binder = services.SingleOrDefault(d => d.ServiceType == typeof(IServiceMethodProvider<>)
            && d.ImplementationType is { Name: "BinderServiceMethodProvider`1" } type
            && type.Assembly == typeof(IServiceMethodProvider<>).Assembly)
            // Fail at start, not with broken routing, if a grpc-dotnet upgrade renames its binder.
            ?? throw new InvalidOperationException("grpc-dotnet's BinderServiceMethodProvider is not registered: AddProtocolGuards must follow AddGrpc.");
        services.Remove(binder);
        services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IServiceMethodProvider<>), typeof(GuardedServiceMethodProvider<>)));
        services.AddHttpContextAccessor();
        services.AddOptions<GrpcServiceOptions>().PostConfigure<IHttpContextAccessor>((grpc, accessor) =>
        {
            // grpc-dotnet's defaults (gzip and deflate at the fastest level), each guarded. Each message is bounded
            // by its own method's limit, which the frame guard knows; the largest any method accepts otherwise.
            long Limit() => accessor.HttpContext?.Features.Get<RequestFrames>()?.CurrentMax ?? UpstreamLimits.MaxPartMessageBytes;
            grpc.CompressionProviders =
            [
                new GuardedCompressionProvider(new GzipCompressionProvider(System.IO.Compression.CompressionLevel.Fastest), Limit),
                new GuardedCompressionProvider(new DeflateCompressionProvider(System.IO.Compression.CompressionLevel.Fastest), Limit),
            ];
        });
        return services;
    }

    public static WebApplication UseProtocolGuards(this WebApplication app)
    {
        app.UseMiddleware<StatusDetailsMiddleware>();
        app.UseMiddleware<ExpiredTimeoutMiddleware>();
        return app;
    }
}
