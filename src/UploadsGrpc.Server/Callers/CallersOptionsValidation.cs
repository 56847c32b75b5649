using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Mapping;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Callers;

/// <summary>Refuses caller policies that could not be applied as written, naming the setting.</summary>
internal sealed class CallersOptionsValidation(IConfiguration configuration) : IValidateOptions<CallersOptions>
{
    public ValidateOptionsResult Validate(string? name, CallersOptions options)
    {
        List<string> failures = [];
        Check(options.Default, "Callers:Default", failures);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Named.Count; i++)
        {
            var policy = options.Named[i];
            var at = $"Callers:Named:{i}";
            if (string.IsNullOrWhiteSpace(policy.Name))
            {
                failures.Add($"{at}:Name must name the caller.");
            }
            else if (!names.Add(policy.Name))
            {
                failures.Add($"{at}:Name repeats the caller {policy.Name}; one caller has one policy.");
            }
            Check(policy, at, failures);
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private void Check(CallerPolicy policy, string at, List<string> failures)
    {
        foreach (var group in policy.Groups ?? [])
        {
            if (!RpcGroups.Known.Contains(group))
            {
                failures.Add($"{at}:Groups has {group}, which is not one of: {string.Join(", ", RpcGroups.Known)}.");
            }
        }
        foreach (var purpose in policy.Purposes ?? [])
        {
            if (EnumMapper.ToFilePurpose(purpose) == FilePurpose.Unspecified)
            {
                failures.Add($"{at}:Purposes has {purpose}, which is not a purpose the upstream names (such as batch, fine-tune, assistants).");
            }
        }
        if (policy.MaxUploadBytes is <= 0)
        {
            failures.Add($"{at}:MaxUploadBytes must be a positive number of bytes.");
        }
        if (policy.MaxConcurrentStreams is <= 0)
        {
            failures.Add($"{at}:MaxConcurrentStreams must be at least 1.");
        }
        if (policy.RequestsPerSecond is <= 0)
        {
            failures.Add($"{at}:RequestsPerSecond must be at least 1.");
        }
        if (policy.Burst is <= 0)
        {
            failures.Add($"{at}:Burst must be at least 1.");
        }
        if (policy.ApiKeyVariable is not null && policy.ApiKeyFile is not null)
        {
            failures.Add($"{at}: set ApiKeyVariable or ApiKeyFile, not both.");
        }
        else if (policy.ApiKeyVariable is { } variable && string.IsNullOrWhiteSpace(configuration[variable]))
        {
            // The variable's name is configuration, not a secret; its value is never printed.
            failures.Add($"{at}:ApiKeyVariable names {variable}, which is not set.");
        }
        else if (policy.ApiKeyFile is { } file && OwnKey.Read(null, file, configuration) is null)
        {
            failures.Add($"{at}:ApiKeyFile {file} cannot be read or is empty.");
        }
    }
}
