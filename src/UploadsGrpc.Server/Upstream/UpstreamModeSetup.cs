using Microsoft.Extensions.Options;

namespace UploadsGrpc.Server.Upstream;

/// <summary>Resolves which upstream is used once every setting is read; validation then refuses a start the rule refused.</summary>
internal sealed class UpstreamModeSetup(IHostEnvironment environment) : IPostConfigureOptions<UpstreamOptions>
{
    public void PostConfigure(string? name, UpstreamOptions options) =>
        (options.ResolvedMode, options.ModeReason) = UpstreamModeRule.Resolve(
            options.Mode, hasKey: options.ApiKey is not null, hasBaseUrl: options.BaseUrl is not null, environment.IsDevelopment());
}
