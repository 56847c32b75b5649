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
        if (options.MaxRetries is < 0 or > 10)
        {
            failures.Add($"Upstream:MaxRetries must be from 0 to 10; it is {options.MaxRetries}.");
        }
        if (options.RetryBaseDelay < TimeSpan.Zero || options.MaxRetryDelay < options.RetryBaseDelay)
        {
            failures.Add("Upstream:RetryBaseDelay must not be negative, and Upstream:MaxRetryDelay not below it.");
        }
        var breaker = options.Breaker;
        if (breaker.FailureRatio is <= 0 or > 1 || breaker.MinimumThroughput < 2
            || breaker.SamplingDuration < TimeSpan.FromMilliseconds(500) || breaker.BreakDuration < TimeSpan.FromMilliseconds(500))
        {
            failures.Add("Upstream:Breaker needs a FailureRatio above 0 and at most 1, a MinimumThroughput of at least 2, and a " +
                "SamplingDuration and BreakDuration of at least 00:00:00.5.");
        }
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
