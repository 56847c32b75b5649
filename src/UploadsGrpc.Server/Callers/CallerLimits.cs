using System.Threading.RateLimiting;

namespace UploadsGrpc.Server.Callers;

/// <summary>
/// Each caller's rate and concurrent calls on this replica, with the framework's partitioned limiters keyed by caller.
/// Applied in <see cref="CallerInterceptor"/> rather than by the rate-limiting middleware: the middleware answers a
/// refusal with a plain HTTP status, which a gRPC client reads without the RetryInfo a caller needs to back off.
/// </summary>
internal sealed class CallerLimits : IDisposable
{
    /// <summary>What a caller at its stream limit is told to wait: calls of this service usually end within a second.</summary>
    public static readonly TimeSpan StreamRetryDelay = TimeSpan.FromSeconds(1);

    private readonly PartitionedRateLimiter<Caller> _rate = PartitionedRateLimiter.Create<Caller, string>(caller =>
        caller.RequestsPerSecond is { } perSecond
            ? RateLimitPartition.GetTokenBucketLimiter(caller.Name, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = caller.Burst,
                TokensPerPeriod = perSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            })
            : RateLimitPartition.GetNoLimiter(caller.Name));

    private readonly PartitionedRateLimiter<Caller> _streams = PartitionedRateLimiter.Create<Caller, string>(caller =>
        caller.MaxConcurrentStreams is { } streams
            ? RateLimitPartition.GetConcurrencyLimiter(caller.Name, _ => new ConcurrencyLimiterOptions { PermitLimit = streams, QueueLimit = 0 })
            : RateLimitPartition.GetNoLimiter(caller.Name));

    /// <summary>Admits one call, or throws RESOURCE_EXHAUSTED; the lease returned holds the caller's stream until disposed.</summary>
    public RateLimitLease Admit(Caller caller)
    {
        using (var rate = _rate.AttemptAcquire(caller))
        {
            if (!rate.IsAcquired)
            {
                throw CallerRefusals.RateLimited(caller, rate.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1));
            }
        }
        var stream = _streams.AttemptAcquire(caller);
        if (!stream.IsAcquired)
        {
            stream.Dispose();
            throw CallerRefusals.TooManyStreams(caller, StreamRetryDelay);
        }
        return stream;
    }

    public void Dispose()
    {
        _rate.Dispose();
        _streams.Dispose();
    }
}
