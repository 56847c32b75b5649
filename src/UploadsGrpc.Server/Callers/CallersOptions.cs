namespace UploadsGrpc.Server.Callers;

/// <summary>
/// The <c>Callers</c> section: a default policy and named ones. Named callers are a list, not keys of a section,
/// because a caller's name may be a SPIFFE ID, and a colon in a configuration key would split it.
/// </summary>
public sealed class CallersOptions
{
    public const string Section = "Callers";

    /// <summary>Callers:Default: the policy of every caller without a named one, and what named ones leave unset.</summary>
    public CallerPolicy Default { get; set; } = new();

    /// <summary>Callers:Named: one policy a caller, by its <see cref="CallerPolicy.Name"/>.</summary>
    public List<CallerPolicy> Named { get; set; } = [];
}
