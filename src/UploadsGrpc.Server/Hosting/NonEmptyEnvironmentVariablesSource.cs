using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace UploadsGrpc.Server.Hosting;

/// <summary>
/// The environment variables, less the empty ones. The official SDKs count an empty variable as unset, and a
/// Kubernetes manifest easily sets one; without this, <c>Upstream__RequestTimeout=</c> would override the default
/// with an empty string and fail the start. The framework has no such option, hence this small wrapper.
/// </summary>
internal sealed class NonEmptyEnvironmentVariablesSource(string? prefix) : IConfigurationSource
{
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new NonEmptyEnvironmentVariablesProvider(prefix);

    /// <summary>Puts this source in the place of each environment-variable source the host added.</summary>
    public static void ReplaceIn(IConfigurationBuilder configuration)
    {
        var sources = configuration.Sources;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is EnvironmentVariablesConfigurationSource variables)
            {
                sources[i] = new NonEmptyEnvironmentVariablesSource(variables.Prefix);
            }
        }
    }
}
