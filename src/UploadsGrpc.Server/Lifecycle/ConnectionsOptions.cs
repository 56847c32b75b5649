namespace UploadsGrpc.Server.Lifecycle;

/// <summary>The <c>Connections</c> section: keepalive, connection age and the caps that keep a replica alive under a flood.</summary>
public sealed class ConnectionsOptions
{
    public const string Section = "Connections";

    /// <summary>
    /// Connections:MaxAge: after this long (less up to <see cref="MaxAgeJitter"/>) a connection is asked to close
    /// with GOAWAY, so a long-lived client channel reconnects and spreads over replicas added since (10 min).
    /// 00:00:00 turns it off.
    /// </summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Connections:MaxAgeJitter: the fraction (0 to 0.5) by which each connection's age is shortened at random, so a fleet of channels opened together does not reconnect together (0.1).</summary>
    public double MaxAgeJitter { get; set; } = 0.1;

    /// <summary>Connections:MaxAgeGrace: how long calls on an aged connection may still take before it is closed under them (15 min; resumable uploads resume elsewhere).</summary>
    public TimeSpan MaxAgeGrace { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Connections:KeepAlivePingDelay: an HTTP/2 PING after this long without a frame from the client, to find dead peers behind NATs and balancers (30 s).</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Connections:KeepAlivePingTimeout: a connection whose PING is not answered within this time is closed (20 s).</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Connections:MaxConnections: client connections held at once; more are accepted and closed at once. 0 (the
    /// default) derives it from the process's descriptor limit (see <see cref="DescriptorLimit"/>).
    /// </summary>
    public long MaxConnections { get; set; }

    /// <summary>Connections:MaxStreamsPerConnection: concurrent calls on one HTTP/2 connection; more wait in the client (100).</summary>
    public int MaxStreamsPerConnection { get; set; } = 100;
}
