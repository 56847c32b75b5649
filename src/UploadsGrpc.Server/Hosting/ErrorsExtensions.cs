using UploadsGrpc.Server.Errors;

namespace UploadsGrpc.Server.Hosting;

/// <summary>The one error mapper and its redactor; the interceptor that calls it is added with the gRPC endpoint.</summary>
internal static class ErrorsExtensions
{
    public static IServiceCollection AddErrorMapping(this IServiceCollection services) => services
        .AddSingleton<SecretRedactor>()
        .AddSingleton<ErrorMapper>();
}
