using UploadsGrpc.Server.Telemetry;

namespace UploadsGrpc.Server.Limits;

/// <summary>
/// Gives memory back once the budget has been idle (nothing reserved) for <see cref="IdleDelay"/> after being used:
/// the pools registered with <see cref="Add"/> drop what they keep, and one blocking, compacting, decommitting
/// collection hands the freed regions to the OS, then the C heap's free arena memory follows (<see cref="NativeHeapTrim"/>). Left alone, the GC keeps a peak's heap committed for as long as
/// the process lives (795 MiB at idle after four streams, against 64 MiB at start); under load nothing of this runs.
/// </summary>
internal sealed class IdleMemoryReturn(MemoryBudget budget, TimeProvider clock, ILogger<IdleMemoryReturn> logger) : IHostedService, IDisposable
{
    public static readonly TimeSpan IdleDelay = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A return that leaves more than this in the large-object heap is repeated at the next ticks, at most
    /// <see cref="Repeats"/> times: the last streams' part buffers can still be reachable from objects finishing as
    /// the first collection runs (a soak saw 966 MiB kept at idle, unrooted a moment later).
    /// </summary>
    private const long RepeatAboveLargeObjectBytes = 64L * 1024 * 1024;
    private const int Repeats = 3;
    private int _repeated;
    private readonly List<Func<long>> _trims = [];
    private readonly NativeHeapTrim _native = new();
    private ITimer? _timer;
    private long _returnedAt;
    private long _idleSince;
    private long _seen;

    /// <summary>A pool's trim: drops what it keeps and returns the bytes dropped.</summary>
    public void Add(Func<long> trim)
    {
        lock (_trims)
        {
            _trims.Add(trim);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _returnedAt = budget.Reservations;
        _timer = clock.CreateTimer(_ => Check(), null, Tick, Tick);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();

    private void Check()
    {
        var reservations = budget.Reservations;
        if (budget.InUse > 0 || reservations != _seen)
        {
            // Busy, or reserved and released since the last tick: the idle time starts again.
            _seen = reservations;
            _idleSince = clock.GetTimestamp();
            return;
        }
        if (reservations == _returnedAt || clock.GetElapsedTime(_idleSince) < IdleDelay)
        {
            return;
        }
        long trimmed = 0;
        lock (_trims)
        {
            foreach (var trim in _trims)
            {
                trimmed += trim();
            }
        }
        var rssBefore = Environment.WorkingSet;
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        _native.Trim();
        var idle = clock.GetElapsedTime(_idleSince).TotalSeconds;
        var info = GC.GetGCMemoryInfo(GCKind.Any);
        const int Loh = 3, Poh = 4;
        if (info.GenerationInfo[Loh].SizeAfterBytes > RepeatAboveLargeObjectBytes && _repeated < Repeats)
        {
            _repeated++;
        }
        else
        {
            _returnedAt = reservations;
            _repeated = 0;
        }
        ServerLog.IdleMemoryReturned(logger, idle, trimmed / (1024 * 1024), info.HeapSizeBytes / (1024 * 1024),
            info.GenerationInfo[Loh].SizeAfterBytes / (1024 * 1024), info.GenerationInfo[Poh].SizeAfterBytes / (1024 * 1024),
            rssBefore / (1024 * 1024), Environment.WorkingSet / (1024 * 1024));
    }
}
