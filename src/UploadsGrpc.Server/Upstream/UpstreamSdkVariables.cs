using Microsoft.Extensions.Options;

namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// Binds the official SDKs' variable names (OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID),
/// which live outside any section, so a team's existing environment works unchanged. An empty variable counts
/// as unset, as in the SDKs.
/// </summary>
internal sealed class UpstreamSdkVariables(IConfiguration configuration) : IConfigureOptions<UpstreamOptions>
{
    public void Configure(UpstreamOptions options)
    {
        options.BaseUrl = Read("OPENAI_BASE_URL") ?? options.BaseUrl;
        options.ApiKey = Read("OPENAI_API_KEY") ?? options.ApiKey;
        options.Organization = Read("OPENAI_ORG_ID") ?? options.Organization;
        options.Project = Read("OPENAI_PROJECT_ID") ?? options.Project;
    }

    private string? Read(string key) => string.IsNullOrWhiteSpace(configuration[key]) ? null : configuration[key]!.Trim();
}
