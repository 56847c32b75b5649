using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Errors;

namespace UploadsGrpc.Server.Uploads.UploadFile;

/// <summary>
/// The memory all UploadFile streams may hold in part buffers together. A stream reserves what it can hold at
/// most (its part size times its parallelism, or less for a small file) before it creates anything upstream, so
/// a reserved stream never waits for memory again and streams cannot starve each other half-way.
/// Reservations are permits of 1 KiB in a first-come ConcurrencyLimiter.
/// </summary>
internal sealed class StreamMemoryBudget : IDisposable
{
    private const int Unit = 1024;
    private readonly ConcurrencyLimiter _limiter;
    private readonly TimeSpan _wait;
    private readonly TimeProvider _clock;

    public StreamMemoryBudget(IOptions<StreamingOptions> options, TimeProvider clock)
    {
        Bytes = options.Value.ResolvedMemoryBudget();
        _wait = options.Value.MemoryWait;
        _clock = clock;
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = checked((int)(Bytes / Unit)),
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>The whole budget in bytes.</summary>
    public long Bytes { get; }

    /// <summary>
    /// Reserves <paramref name="bytes"/> (at most <see cref="Bytes"/>), waiting up to Streaming:MemoryWait;
    /// a stream still without memory then ends RESOURCE_EXHAUSTED with a RetryInfo.
    /// </summary>
    public async Task<RateLimitLease> ReserveAsync(long bytes, CancellationToken cancellation)
    {
        var permits = (int)Math.Min((bytes + Unit - 1) / Unit, Bytes / Unit);
        using var timeout = new CancellationTokenSource(_wait, _clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, timeout.Token);
        try
        {
            var lease = await _limiter.AcquireAsync(permits, linked.Token);
            if (lease.IsAcquired)
            {
                return lease;
            }
            lease.Dispose();
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
        }
        throw FacadeException.MemoryExhausted(bytes, Bytes, _wait);
    }

    public void Dispose() => _limiter.Dispose();
}
