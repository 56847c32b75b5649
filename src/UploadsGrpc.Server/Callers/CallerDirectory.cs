using System.Collections.Frozen;
using Microsoft.Extensions.Options;

namespace UploadsGrpc.Server.Callers;

/// <summary>
/// The policy of every caller, resolved once at start: the named ones merged over the default, with their own keys
/// read from the variable or file configured (validation has already refused a key that cannot be read).
/// </summary>
internal sealed class CallerDirectory
{
    private readonly FrozenDictionary<string, Caller> _named;
    private readonly Caller _default;

    public CallerDirectory(IOptions<CallersOptions> options, IConfiguration configuration)
    {
        var callers = options.Value;
        _default = Resolve(Caller.AnonymousName, callers.Default, new CallerPolicy(), configuration);
        _named = callers.Named.ToFrozenDictionary(
            policy => policy.Name!, policy => Resolve(policy.Name!, policy, callers.Default, configuration), StringComparer.Ordinal);
    }

    /// <summary>The caller of this name: its named policy, else the default's under that name.</summary>
    public Caller Find(string name) => _named.TryGetValue(name, out var caller) ? caller : _default.WithName(name);

    public Caller Anonymous => Find(Caller.AnonymousName);

    private static Caller Resolve(string name, CallerPolicy own, CallerPolicy fallback, IConfiguration configuration)
    {
        var groups = own.Groups ?? fallback.Groups ?? [.. RpcGroups.Rpc];
        var purposes = own.Purposes ?? fallback.Purposes;
        var (variable, file) = own.ApiKeyVariable is not null || own.ApiKeyFile is not null
            ? (own.ApiKeyVariable, own.ApiKeyFile)
            : (fallback.ApiKeyVariable, fallback.ApiKeyFile);
        return new Caller(
            name,
            groups.Where(g => g != RpcGroups.NoGroup).ToFrozenSet(StringComparer.Ordinal),
            purposes?.ToFrozenSet(StringComparer.Ordinal),
            own.MaxUploadBytes ?? fallback.MaxUploadBytes,
            own.MaxConcurrentStreams ?? fallback.MaxConcurrentStreams,
            own.RequestsPerSecond ?? fallback.RequestsPerSecond,
            own.Burst ?? fallback.Burst,
            own.Project ?? fallback.Project,
            OwnKey.Read(variable, file, configuration));
    }
}
