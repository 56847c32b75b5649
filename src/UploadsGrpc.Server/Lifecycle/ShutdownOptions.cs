namespace UploadsGrpc.Server.Lifecycle;

/// <summary>The <c>Shutdown</c> section: how a replica leaves the load balancer without losing a call.</summary>
public sealed class ShutdownOptions
{
    public const string Section = "Shutdown";

    /// <summary>
    /// Shutdown:DrainDelay: after SIGTERM, how long the server keeps serving, already answering NOT_SERVING, before
    /// it sends GOAWAY and closes its listener. Load balancers and Kubernetes endpoints need this long to forget it.
    /// </summary>
    public TimeSpan DrainDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Shutdown:Timeout: after the drain delay, how long calls in flight may take to finish. At its end every call's
    /// cancellation fires, so upstream requests are aborted rather than orphaned.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// What the host waits for in all: the delay, the timeout, and a second for cancelled calls to answer and to
    /// cancel their uploads upstream (within 0.8 s). Kestrel may then take up to a second more to abort what is
    /// left, so the process exits within DrainDelay + Timeout + 2 s of the signal.
    /// </summary>
    public TimeSpan HostShutdownTimeout() => DrainDelay + Timeout + TimeSpan.FromSeconds(1);
}
