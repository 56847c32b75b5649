using System.Threading.RateLimiting;

namespace UploadsGrpc.Server.Limits;

/// <summary>
/// The one budget for every buffer that holds a caller's bytes: request frames as they arrive (unary parts,
/// chunk and metadata messages) and UploadFile's part buffers. Reservations are permits of 1 KiB in a first-come
/// ConcurrencyLimiter, so a large reservation at the head of the queue is not starved by small ones.
/// </summary>
internal sealed class MemoryBudget : IDisposable
{
    private const int Unit = 1024;
    private const long MiB = 1024 * 1024;
    private readonly ConcurrencyLimiter _limiter;
    private readonly TimeProvider _clock;
    private long _reservations;

    public MemoryBudget(long bytes, TimeSpan wait, TimeProvider clock)
    {
        Bytes = bytes;
        Wait = wait;
        _clock = clock;
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = checked((int)(bytes / Unit)),
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>The whole budget in bytes.</summary>
    public long Bytes { get; }

    /// <summary>How long a reservation waits for memory before it is refused (Streaming:MemoryWait).</summary>
    public TimeSpan Wait { get; }

    /// <summary>The bytes reserved now.</summary>
    public long InUse => ((Bytes / Unit) - _limiter.GetStatistics()!.CurrentAvailablePermits) * Unit;

    /// <summary>Reservations taken since the start, for telling an idle budget that was used from one never used.</summary>
    public long Reservations => Interlocked.Read(ref _reservations);

    /// <summary>
    /// Reserves <paramref name="bytes"/>, waiting up to <see cref="Wait"/>; null when the memory stayed taken, or
    /// at once when the request is larger than the whole budget and could never be granted.
    /// </summary>
    public async Task<RateLimitLease?> TryReserveAsync(long bytes, CancellationToken cancellation)
    {
        var permits = (bytes + Unit - 1) / Unit;
        if (permits > Bytes / Unit)
        {
            return null;
        }
        using var timeout = new CancellationTokenSource(Wait, _clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, timeout.Token);
        try
        {
            var lease = await _limiter.AcquireAsync((int)permits, linked.Token);
            if (lease.IsAcquired)
            {
                Interlocked.Increment(ref _reservations);
                return lease;
            }
            lease.Dispose();
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
        }
        return null;
    }

    /// <summary>
    /// The default budget: a quarter of the memory the process may use (GC.GetGCMemoryInfo reflects a cgroup limit
    /// and DOTNET_GCHeapHardLimit), at most 4 GiB. A quarter, because a reserved byte can exist two or three times
    /// for a moment: in Kestrel's buffers, in the message protobuf parses from them, and in an UploadFile part
    /// buffer; the rest is the runtime's and the GC's headroom. The floor of 128 MiB (two full parts) never
    /// exceeds half of what the process may use.
    /// </summary>
    public static long DefaultBytes(long availableBytes)
    {
        var floor = Math.Min(128 * MiB, availableBytes / 2);
        return Math.Clamp(availableBytes / 4, floor, 4096 * MiB) / Unit * Unit;
    }

    public void Dispose() => _limiter.Dispose();
}
