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

    public CallerDirectory(IOptions<CallersOptions> options, IOptions<AuthOptions> auth, IConfiguration configuration)
    {
        var callers = options.Value;
        // In Jwt and Mesh modes anyone the issuer or the mesh knows is a caller, not only those listed: there, a
        // default without Groups allows nothing, so a forgotten policy never opens writes to every workload.
        var openEnded = auth.Value.ResolvedMode is AuthMode.Jwt or AuthMode.Mesh;
        var builtIn = new CallerPolicy { Groups = openEnded ? [RpcGroups.NoGroup] : [.. RpcGroups.Rpc] };
        _default = Resolve(Caller.AnonymousName, callers.Default, builtIn, configuration);
        _named = callers.Named.ToFrozenDictionary(
            policy => policy.Name!, policy => Resolve(policy.Name!, policy, Merged(callers.Default, builtIn), configuration), StringComparer.Ordinal);
    }

    /// <summary>The caller of this name: its named policy, else the default's under that name.</summary>
    /// <summary>Whether the configuration names this caller (Callers:Named), rather than its credential alone.</summary>
    public bool IsNamed(string name) => _named.ContainsKey(name) || name == Caller.AnonymousName;

    public Caller Find(string name) => _named.TryGetValue(name, out var caller) ? caller : _default.WithName(name);

    public Caller Anonymous => Find(Caller.AnonymousName);

    private static CallerPolicy Merged(CallerPolicy configured, CallerPolicy builtIn) => new()
    {
        Groups = configured.Groups ?? builtIn.Groups,
        Purposes = configured.Purposes,
        MaxUploadBytes = configured.MaxUploadBytes,
        MaxConcurrentStreams = configured.MaxConcurrentStreams,
        RequestsPerSecond = configured.RequestsPerSecond,
        Burst = configured.Burst,
        Project = configured.Project,
        ApiKeyVariable = configured.ApiKeyVariable,
        ApiKeyFile = configured.ApiKeyFile,
    };

    private static Caller Resolve(string name, CallerPolicy own, CallerPolicy fallback, IConfiguration configuration)
    {
        var groups = own.Groups ?? fallback.Groups ?? [];
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
