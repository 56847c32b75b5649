namespace UploadsGrpc.Server.Upstream;

/// <summary>Upstream:RequestTimeout passed on a call that had no deadline of its own.</summary>
internal sealed class UpstreamTimeoutException(TimeSpan timeout)
    : TimeoutException($"The upstream did not answer within {timeout.TotalSeconds:0.###} s (Upstream:RequestTimeout).");
