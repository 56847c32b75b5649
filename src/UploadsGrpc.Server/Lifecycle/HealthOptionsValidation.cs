using Microsoft.Extensions.Options;

namespace UploadsGrpc.Server.Lifecycle;

/// <summary>Refuses probe settings that would hammer the upstream or never answer.</summary>
internal sealed class HealthOptionsValidation : IValidateOptions<HealthOptions>
{
    private static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    public ValidateOptionsResult Validate(string? name, HealthOptions options)
    {
        var failures = new List<string>();
        if (options.UpstreamProbeInterval < MinInterval || options.UpstreamProbeInterval > TimeSpan.FromHours(1))
        {
            failures.Add("Health:UpstreamProbeInterval must be from 00:00:01 to 01:00:00.");
        }
        if (options.UpstreamProbeTimeout <= TimeSpan.Zero || options.UpstreamProbeTimeout > options.UpstreamProbeInterval)
        {
            failures.Add("Health:UpstreamProbeTimeout must be positive and not longer than Health:UpstreamProbeInterval.");
        }
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
