using System.Buffers.Binary;

namespace UploadsGrpc.Soak;

/// <summary>
/// A file's bytes, made from a seed rather than stored: word <c>i</c> is SplitMix64 of <c>seed + i·γ</c>, so any range
/// can be made again (a resumed stream sends the rest, the MD5 for a resume covers the whole file) and no file is
/// held in memory or on disk.
/// </summary>
internal sealed class FileBytes(ulong seed, long length)
{
    private const ulong Gamma = 0x9E3779B97F4A7C15;

    public long Length => length;

    /// <summary>Fills <paramref name="target"/> with the bytes from <paramref name="offset"/>, which must be a multiple of 8.</summary>
    public void Fill(long offset, Span<byte> target)
    {
        if (offset % 8 != 0 || offset < 0 || offset + target.Length > length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"{offset} + {target.Length} is not a word-aligned range of {length} bytes.");
        }
        var word = (ulong)(offset / 8);
        var whole = target.Length / 8 * 8;
        for (var at = 0; at < whole; at += 8, word++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(target[at..], Mix(seed + (word * Gamma)));
        }
        if (whole < target.Length)
        {
            Span<byte> last = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(last, Mix(seed + (word * Gamma)));
            last[..(target.Length - whole)].CopyTo(target[whole..]);
        }
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
