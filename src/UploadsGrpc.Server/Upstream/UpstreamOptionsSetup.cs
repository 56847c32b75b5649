using Microsoft.Extensions.Options;

namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// Reads the official SDKs' variable names (OPENAI_*) and the <c>Upstream</c> section. Runs when the
/// options are first used, so test hosts can add configuration after Program.cs has built its services.
/// </summary>
internal sealed class UpstreamOptionsSetup(IConfiguration configuration, IHostEnvironment environment) : IConfigureOptions<UpstreamOptions>
{
    public void Configure(UpstreamOptions options)
    {
        // An empty variable counts as unset, as in the SDKs.
        static string? Read(IConfiguration c, string key) => string.IsNullOrWhiteSpace(c[key]) ? null : c[key]!.Trim();

        if (Read(configuration, "OPENAI_BASE_URL") is { } baseUrl)
        {
            if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new OptionsValidationException(nameof(UpstreamOptions), typeof(UpstreamOptions),
                    ["OPENAI_BASE_URL must be an absolute http:// or https:// URL."]);
            }
            options.BaseUrl = uri;
        }
        options.ApiKey = Read(configuration, "OPENAI_API_KEY") ?? options.ApiKey;
        options.Organization = Read(configuration, "OPENAI_ORG_ID") ?? options.Organization;
        options.Project = Read(configuration, "OPENAI_PROJECT_ID") ?? options.Project;
        var (mode, reason) = UpstreamModeRule.Resolve(Read(configuration, UpstreamModeRule.ModeKey),
            hasKey: options.ApiKey is not null, hasBaseUrl: Read(configuration, "OPENAI_BASE_URL") is not null, environment.IsDevelopment());
        options.Mode = mode;
        options.ModeReason = reason;
        if (mode == UpstreamMode.Emulator)
        {
            // The real key, organization and project stay out of requests to the emulator.
            options.ApiKey = UpstreamOptions.EmulatorApiKey;
            options.Organization = null;
            options.Project = null;
        }
        if (Read(configuration, "Upstream:EmulatorPort") is { } port)
        {
            if (!int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsedPort) || parsedPort > 65535)
            {
                throw new OptionsValidationException(nameof(UpstreamOptions), typeof(UpstreamOptions),
                    ["Upstream:EmulatorPort must be a port number from 0 to 65535 (0 picks a free port)."]);
            }
            options.EmulatorPort = parsedPort;
        }
        if (Read(configuration, "Upstream:RequestTimeout") is { } timeout)
        {
            if (!TimeSpan.TryParse(timeout, System.Globalization.CultureInfo.InvariantCulture, out var parsed) || parsed <= TimeSpan.Zero)
            {
                throw new OptionsValidationException(nameof(UpstreamOptions), typeof(UpstreamOptions),
                    ["Upstream:RequestTimeout must be a positive time span such as 00:10:00."]);
            }
            options.RequestTimeout = parsed;
        }
    }
}
