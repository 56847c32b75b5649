using System.Collections.Concurrent;

namespace UploadsGrpc.Server.Limits;

/// <summary>
/// 1 MiB arrays that hold large request frames (see <see cref="FrameCheckingReader"/>), kept up to
/// <paramref name="retainBytes"/> and dropped whenever the server is idle. One size for every frame, so what is
/// kept fits any later frame. Written here rather than taken from ArrayPool: ArrayPool.Shared keeps arrays per
/// thread with no bound in bytes and cannot be emptied, and the idle trim is the point.
/// </summary>
internal sealed class SegmentPool(long retainBytes)
{
    public const int SegmentBytes = 1024 * 1024;
    private readonly ConcurrentStack<byte[]> _free = new();
    private long _retained;

    public byte[] Rent()
    {
        if (_free.TryPop(out var segment))
        {
            Interlocked.Add(ref _retained, -SegmentBytes);
            return segment;
        }
        return GC.AllocateUninitializedArray<byte>(SegmentBytes);
    }

    public void Return(byte[] segment)
    {
        if (Interlocked.Add(ref _retained, SegmentBytes) > retainBytes)
        {
            Interlocked.Add(ref _retained, -SegmentBytes);
            return;
        }
        _free.Push(segment);
    }

    /// <summary>Drops every array kept; returns their bytes.</summary>
    public long Trim()
    {
        long dropped = 0;
        while (_free.TryPop(out _))
        {
            Interlocked.Add(ref _retained, -SegmentBytes);
            dropped += SegmentBytes;
        }
        return dropped;
    }
}
