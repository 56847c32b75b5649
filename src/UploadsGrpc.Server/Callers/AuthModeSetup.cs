using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Callers;

/// <summary>Resolves the auth mode once the environment and the upstream are known.</summary>
internal sealed class AuthModeSetup(IHostEnvironment environment, IOptions<UpstreamOptions> upstream) : IPostConfigureOptions<AuthOptions>
{
    public void PostConfigure(string? name, AuthOptions options) =>
        (options.ResolvedMode, options.ModeReason) = AuthModeRule.Resolve(options.Mode, environment.IsDevelopment(), Emulated());

    /// <summary>An upstream set-up that is itself refused counts as the real API; its own line says what is wrong.</summary>
    private bool Emulated()
    {
        try
        {
            return upstream.Value.ResolvedMode == UpstreamMode.Emulator;
        }
        catch (OptionsValidationException)
        {
            return false;
        }
    }
}
