using System.Collections.Concurrent;
using System.Numerics;

namespace UploadsGrpc.Server.Uploads.UploadFile;

/// <summary>
/// Part buffers, reused across streams, in size classes: powers of two from 64 KiB to 64 MiB, so a part of any
/// length takes the smallest class that holds it and the pool keeps at most 11 kinds of array, not one per part
/// length (kept exact-size, the last parts of 220 files of random sizes held 4 GiB). It keeps up to
/// <paramref name="retainBytes"/> in all, drops the rest on return, and drops everything on <see cref="Trim"/>
/// when the server is idle. Written here rather than taken from ArrayPool: ArrayPool.Shared drops arrays at the
/// GC's whim and keeps them per thread, and ArrayPool.Create keeps arrays per bucket with no bound in bytes and
/// no way to empty it.
/// </summary>
internal sealed class PartBufferPool(long retainBytes)
{
    public const int SmallestClass = 64 * 1024;
    public const int LargestClass = 64 * 1024 * 1024;
    private static readonly int Classes = BitOperations.Log2(LargestClass) - BitOperations.Log2(SmallestClass) + 1;
    private readonly ConcurrentStack<byte[]>[] _free = [.. Enumerable.Range(0, Classes).Select(_ => new ConcurrentStack<byte[]>())];
    private long _retained;

    /// <summary>The length of the buffer that holds <paramref name="length"/> bytes.</summary>
    public static int ClassOf(long length) => length <= SmallestClass ? SmallestClass : (int)BitOperations.RoundUpToPowerOf2((ulong)length);

    public long RetainedBytes => Interlocked.Read(ref _retained);

    /// <summary>A buffer of <see cref="ClassOf"/>(<paramref name="length"/>) bytes; the caller uses its first <paramref name="length"/>.</summary>
    public byte[] Rent(int length)
    {
        var size = ClassOf(length);
        if (_free[Index(size)].TryPop(out var buffer))
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
        _free[Index(buffer.Length)].Push(buffer);
    }

    /// <summary>Drops every buffer kept; returns their bytes.</summary>
    public long Trim()
    {
        long dropped = 0;
        foreach (var stack in _free)
        {
            while (stack.TryPop(out var buffer))
            {
                Interlocked.Add(ref _retained, -buffer.Length);
                dropped += buffer.Length;
            }
        }
        return dropped;
    }

    private static int Index(int size) => BitOperations.Log2((uint)size) - BitOperations.Log2(SmallestClass);
}
