using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace UploadsGrpc.Server.Hosting;

/// <summary>Reads the environment variables as the framework does, then drops those that are empty or only white space.</summary>
internal sealed class NonEmptyEnvironmentVariablesProvider(string? prefix) : EnvironmentVariablesConfigurationProvider(prefix)
{
    public override void Load()
    {
        base.Load();
        foreach (var key in Data.Where(pair => string.IsNullOrWhiteSpace(pair.Value)).Select(pair => pair.Key).ToList())
        {
            Data.Remove(key);
        }
    }
}
