using UploadsGrpc.Server.Telemetry;

namespace UploadsGrpc.Server.Limits;

/// <summary>
/// Gives memory back once the budget has been idle (nothing reserved) for <see cref="IdleDelay"/> after being used:
/// the pools registered with <see cref="Add"/> drop what they keep, one blocking, compacting, decommitting collection
/// hands the freed regions to the OS, and the C heap's free arena memory follows (<see cref="NativeHeapTrim"/>); once
/// more at <see cref="SettleDelay"/>. Left alone, the GC keeps a peak's heap committed for as long as the process
/// lives (795 MiB at idle after four streams, against 64 MiB at start); under load nothing of this runs.
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

    /// <summary>
    /// One more return once the load's idle thread-pool workers have retired (.NET retires a worker idle for 20 s):
    /// ArrayPool.Shared keeps arrays per thread, and those become garbage only then. Without a compacting collection
    /// after that, their large-object space stays committed (a 10-minute soak ended 13 MiB of large objects above
    /// its start that way).
    /// </summary>
    public static readonly TimeSpan SettleDelay = TimeSpan.FromSeconds(30);
    private long _settledAt;
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
        _settledAt = _returnedAt;
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
        var idle = clock.GetElapsedTime(_idleSince);
        if (reservations != _returnedAt)
        {
            if (idle < IdleDelay)
            {
                return;
            }
            var large = Return();
            if (large > RepeatAboveLargeObjectBytes && _repeated < Repeats)
            {
                _repeated++;
            }
            else
            {
                _returnedAt = reservations;
                _repeated = 0;
            }
        }
        else if (reservations != _settledAt && idle >= SettleDelay)
        {
            _settledAt = reservations;
            Return();
        }
    }

    /// <summary>Empties the pools, collects and compacts, trims the C heap and logs it; returns the large-object heap's size after.</summary>
    private long Return()
    {
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
        var info = GC.GetGCMemoryInfo(GCKind.Any);
        const int Loh = 3, Poh = 4;
        var idle = clock.GetElapsedTime(_idleSince).TotalSeconds;
        ServerLog.IdleMemoryReturned(logger, idle, trimmed / (1024 * 1024), info.HeapSizeBytes / (1024 * 1024),
            info.GenerationInfo[Loh].SizeAfterBytes / (1024 * 1024), info.GenerationInfo[Poh].SizeAfterBytes / (1024 * 1024),
            rssBefore / (1024 * 1024), Environment.WorkingSet / (1024 * 1024));
        return info.GenerationInfo[Loh].SizeAfterBytes;
    }
}
