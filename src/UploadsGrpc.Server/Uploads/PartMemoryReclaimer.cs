namespace UploadsGrpc.Server.Uploads;

/// <summary>
/// Hands the memory of finished unary parts back to the OS. Protobuf parses each part into a fresh array of up
/// to 64 MiB on the large object heap, and the GC, left alone, keeps dead parts and their regions committed, so
/// the server's peak memory grew part after part. After a part of 4 MiB or more one blocking, compacting,
/// decommitting collection runs, at most every 50 ms so parallel parts share it: the one setting that held the
/// peak flat (the measurements and what else was tried are in bench/ANALYSIS.md). UploadFile avoids the per-part
/// array altogether.
/// </summary>
internal sealed class PartMemoryReclaimer(TimeProvider time)
{
    /// <summary>Parts below this size are left to the GC's own pace.</summary>
    public const int LargePartBytes = 4 * 1024 * 1024;

    private static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(50);
    private long _lastTimestamp;

    public void PartFinished(int bytes)
    {
        if (bytes < LargePartBytes)
        {
            return;
        }
        var now = time.GetTimestamp();
        var last = Interlocked.Read(ref _lastTimestamp);
        if (last != 0 && time.GetElapsedTime(last, now) < MinInterval)
        {
            return;
        }
        if (Interlocked.CompareExchange(ref _lastTimestamp, now, last) == last)
        {
            System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
    }
}
