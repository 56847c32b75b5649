using Microsoft.Extensions.Options;

namespace UploadsGrpc.Server.Limits;

/// <summary>Refuses a Limits section that could not work, at start rather than on the first call.</summary>
internal sealed class LimitsOptionsValidation : IValidateOptions<LimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, LimitsOptions options)
    {
        var failures = new List<string>();
        // Below 16 KiB an UploadFile resume list of a few parts would no longer fit.
        if (options.MaxMessageBytes is < 16 * 1024 or > 64 * 1024 * 1024)
        {
            failures.Add("Limits:MaxMessageBytes must be from 16384 to 67108864.");
        }
        if (options.MaxFilenameBytes is < 1 or > 64 * 1024)
        {
            failures.Add("Limits:MaxFilenameBytes must be from 1 to 65536.");
        }
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
