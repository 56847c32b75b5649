namespace UploadsGrpc.Server.Telemetry;

/// <summary>
/// The admin port (section <c>Admin</c>): Prometheus's scrape endpoint, <c>GET /metrics</c>, in HTTP/1.1 on a
/// port of its own, apart from the gRPC port, which speaks HTTP/2 only and admits callers. Off when no port is set.
/// </summary>
internal sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>The port; unset (the default outside the container image, which sets 9464) for no admin port.</summary>
    public int? Port { get; set; }

    /// <summary>The address to listen on: every interface by default, so a scraper in the cluster reaches it.</summary>
    public string Address { get; set; } = "0.0.0.0";

    /// <summary>The scrape endpoint's path.</summary>
    public string MetricsPath { get; set; } = "/metrics";
}
