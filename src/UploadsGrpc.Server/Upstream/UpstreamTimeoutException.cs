namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// The upstream took too long: Upstream:RequestTimeout passed on a call that had no deadline of its own, or its
/// body stopped for Upstream:BodyIdleTimeout.
/// </summary>
internal sealed class UpstreamTimeoutException(TimeSpan timeout, string? message = null)
    : TimeoutException(message ?? $"The upstream did not answer within {timeout.TotalSeconds:0.###} s (Upstream:RequestTimeout).")
{
    public TimeSpan Timeout { get; } = timeout;

    /// <summary>No byte of the response body came for <paramref name="idle"/>.</summary>
    public static UpstreamTimeoutException BodyIdle(TimeSpan idle) =>
        new(idle, $"The upstream's response body stopped: no byte for {idle.TotalSeconds:0.###} s (Upstream:BodyIdleTimeout); the request was aborted.");
}
