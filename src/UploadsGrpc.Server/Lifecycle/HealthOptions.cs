namespace UploadsGrpc.Server.Lifecycle;

/// <summary>The <c>Health</c> section: how the upstream's reachability (<c>uploadsgrpc.upstream</c>) is probed.</summary>
public sealed class HealthOptions
{
    public const string Section = "Health";

    /// <summary>Health:UpstreamProbeInterval: how often one <c>GET /files?limit=1</c> checks the upstream answers (15 s).</summary>
    public TimeSpan UpstreamProbeInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Health:UpstreamProbeTimeout: how long a probe may take before the upstream counts as unreachable (5 s).</summary>
    public TimeSpan UpstreamProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
