using UploadsGrpc.Server.Mapping;

namespace UploadsGrpc.Server.Hosting;

/// <summary>What the pure mappers report through: the counter and log of enum values the contract does not name.</summary>
internal static class MappingExtensions
{
    public static IServiceCollection AddMapping(this IServiceCollection services) => services
        .AddSingleton<UnknownEnumReporter>();
}
