using Microsoft.Extensions.Options;

namespace UploadsGrpc.Server.Lifecycle;

/// <summary>Refuses a Shutdown section that would not drain: negative times, or a drain longer than a pod's life should be.</summary>
internal sealed class ShutdownOptionsValidation : IValidateOptions<ShutdownOptions>
{
    private static readonly TimeSpan MaxDrainDelay = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(1);

    public ValidateOptionsResult Validate(string? name, ShutdownOptions options)
    {
        var failures = new List<string>();
        if (options.DrainDelay < TimeSpan.Zero || options.DrainDelay > MaxDrainDelay)
        {
            failures.Add($"Shutdown:DrainDelay must be from 00:00:00 to {MaxDrainDelay:c}.");
        }
        if (options.Timeout < TimeSpan.Zero || options.Timeout > MaxTimeout)
        {
            failures.Add($"Shutdown:Timeout must be from 00:00:00 to {MaxTimeout:c}.");
        }
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
