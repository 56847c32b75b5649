using System.Net;
using Microsoft.Extensions.Options;

namespace UploadsGrpc.Server.Telemetry;

/// <summary>Refuses an admin port or address Kestrel could not listen on, at start rather than at the first scrape.</summary>
internal sealed class AdminOptionsValidation : IValidateOptions<AdminOptions>
{
    public ValidateOptionsResult Validate(string? name, AdminOptions options)
    {
        var failures = new List<string>();
        if (options.Port is < 1 or > 65535)
        {
            failures.Add("Admin:Port must be from 1 to 65535, or unset for no admin port.");
        }
        if (!IPAddress.TryParse(options.Address, out _))
        {
            failures.Add("Admin:Address must be an IP address, such as 0.0.0.0 (every interface) or 127.0.0.1.");
        }
        if (!options.MetricsPath.StartsWith('/') || options.MetricsPath.Length < 2)
        {
            failures.Add("Admin:MetricsPath must be a path such as /metrics.");
        }
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
