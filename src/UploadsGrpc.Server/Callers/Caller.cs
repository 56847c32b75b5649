using System.Collections.Frozen;

namespace UploadsGrpc.Server.Callers;

/// <summary>
/// A caller and the policy in force for it, the default merged under its named one. A class, not a record: a
/// record's generated ToString would print <see cref="ApiKey"/> wherever a caller is logged or inspected.
/// </summary>
internal sealed class Caller(
    string name,
    FrozenSet<string> groups,
    FrozenSet<string>? purposes,
    long? maxUploadBytes,
    int? maxConcurrentStreams,
    int? requestsPerSecond,
    int? burst,
    string? project,
    string? apiKey)
{
    /// <summary>The name of the caller when Auth:Mode is None.</summary>
    public const string AnonymousName = "anonymous";

    public string Name { get; } = name;

    public FrozenSet<string> Groups { get; } = groups;

    /// <summary>The purposes allowed; null allows any.</summary>
    public FrozenSet<string>? Purposes { get; } = purposes;

    public long? MaxUploadBytes { get; } = maxUploadBytes;

    public int? MaxConcurrentStreams { get; } = maxConcurrentStreams;

    public int? RequestsPerSecond { get; } = requestsPerSecond;

    public int Burst { get; } = burst ?? requestsPerSecond ?? 0;

    public string? Project { get; } = project;

    /// <summary>The caller's own OpenAI key, or null to use the service's. Never logged.</summary>
    public string? ApiKey { get; } = apiKey;

    public Caller WithName(string other) =>
        new(other, Groups, Purposes, MaxUploadBytes, MaxConcurrentStreams, RequestsPerSecond, Burst, Project, ApiKey);

    public override string ToString() => Name;
}
