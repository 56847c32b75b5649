using Microsoft.Extensions.Options;

namespace UploadsGrpc.Server.Lifecycle;

/// <summary>Refuses connection settings that would disconnect everyone at once or let one client exhaust the process.</summary>
internal sealed class ConnectionsOptionsValidation : IValidateOptions<ConnectionsOptions>
{
    public ValidateOptionsResult Validate(string? name, ConnectionsOptions options)
    {
        var failures = new List<string>();
        if (options.MaxAge != TimeSpan.Zero && options.MaxAge < TimeSpan.FromSeconds(1))
        {
            failures.Add("Connections:MaxAge must be 00:00:00 (off) or at least 00:00:01.");
        }
        if (options.MaxAgeJitter is < 0 or > 0.5 || double.IsNaN(options.MaxAgeJitter))
        {
            failures.Add("Connections:MaxAgeJitter must be from 0 to 0.5.");
        }
        if (options.MaxAgeGrace < TimeSpan.Zero)
        {
            failures.Add("Connections:MaxAgeGrace must not be negative.");
        }
        if (options.KeepAlivePingDelay < TimeSpan.FromSeconds(1) || options.KeepAlivePingTimeout < TimeSpan.FromSeconds(1))
        {
            failures.Add("Connections:KeepAlivePingDelay and KeepAlivePingTimeout must be at least 00:00:01.");
        }
        if (options.MaxConnections < 0)
        {
            failures.Add("Connections:MaxConnections must be 0 (from the descriptor limit) or a positive number.");
        }
        if (options.MaxStreamsPerConnection is < 1 or > 10_000)
        {
            failures.Add("Connections:MaxStreamsPerConnection must be from 1 to 10000.");
        }
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
