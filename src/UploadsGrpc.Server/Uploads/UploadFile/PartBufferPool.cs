using System.Collections.Concurrent;

namespace UploadsGrpc.Server.Uploads.UploadFile;

/// <summary>
/// Part buffers, reused across streams. Written here rather than taken from ArrayPool: ArrayPool.Shared drops
/// arrays at the GC's whim (a fresh 64 MiB array per part is what let the unary path's memory grow), and
/// ArrayPool.Create rounds sizes up to a power of two and keeps arrays per bucket with no bound in bytes. This
/// pool keeps arrays of the exact sizes asked for, up to <paramref name="retainBytes"/> in all.
/// </summary>
internal sealed class PartBufferPool(long retainBytes)
{
    private readonly ConcurrentDictionary<int, ConcurrentBag<byte[]>> _free = new();
    private long _retained;

    public byte[] Rent(int size)
    {
        if (_free.TryGetValue(size, out var bag) && bag.TryTake(out var buffer))
        {
            Interlocked.Add(ref _retained, -size);
            return buffer;
        }
        return GC.AllocateUninitializedArray<byte>(size);
    }

    public void Return(byte[] buffer)
    {
        if (Interlocked.Add(ref _retained, buffer.Length) > retainBytes)
        {
            Interlocked.Add(ref _retained, -buffer.Length);
            return;
        }
        _free.GetOrAdd(buffer.Length, static _ => []).Add(buffer);
    }
}
