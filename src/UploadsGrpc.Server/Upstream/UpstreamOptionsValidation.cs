using Microsoft.Extensions.Options;

namespace UploadsGrpc.Server.Upstream;

/// <summary>Refuses upstream settings that could not work, at start rather than on the first call.</summary>
internal sealed class UpstreamOptionsValidation : IValidateOptions<UpstreamOptions>
{
    public ValidateOptionsResult Validate(string? name, UpstreamOptions options)
    {
        var failures = new List<string>();
        if (options.Mode is { } mode && !Enum.IsDefined(mode))
        {
            failures.Add($"Upstream:Mode must be {string.Join(" or ", Enum.GetNames<UpstreamMode>())}; it is '{(int)mode}'.");
        }
        else if (options.ResolvedMode is null)
        {
            failures.Add(options.ModeReason);
        }
        if (options.BaseUrl is { } baseUrl
            && (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add("OPENAI_BASE_URL must be an absolute http:// or https:// URL.");
        }
        if (options.EmulatorPort is < 0 or > 65535)
        {
            failures.Add("Upstream:EmulatorPort must be a port number from 0 to 65535 (0 picks a free port).");
        }
        if (options.RequestTimeout <= TimeSpan.Zero)
        {
            failures.Add("Upstream:RequestTimeout must be a positive time span such as 00:10:00.");
        }
        if (options.BodyIdleTimeout <= TimeSpan.Zero)
        {
            failures.Add("Upstream:BodyIdleTimeout must be a positive time span such as 00:00:30.");
        }
        if (options.MaxJsonResponseBytes is < 64 * 1024 or > int.MaxValue)
        {
            failures.Add($"Upstream:MaxJsonResponseBytes must be from 65536 (64 KiB) to {int.MaxValue}; it is {options.MaxJsonResponseBytes}.");
        }
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
