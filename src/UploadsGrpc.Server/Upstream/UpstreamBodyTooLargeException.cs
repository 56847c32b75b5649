namespace UploadsGrpc.Server.Upstream;

/// <summary>An upstream JSON body longer than Upstream:MaxJsonResponseBytes.</summary>
internal sealed class UpstreamBodyTooLargeException(long max)
    : IOException($"The upstream's JSON body is longer than {max} bytes (Upstream:MaxJsonResponseBytes).")
{
    public long Max { get; } = max;
}
