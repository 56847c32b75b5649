using System.Security.Cryptography;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>
/// Test file content that depends on its offset, so a misplaced, repeated or dropped part changes the bytes
/// and the MD5; generated on the fly, so a 1 GiB file never sits in the test's memory.
/// </summary>
public static class TestData
{
    public static void Fill(Span<byte> destination, long offset)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            var position = offset + i;
            // Cheap mixing of the position: neighbouring parts differ, and no 8-byte pattern repeats per part.
            destination[i] = (byte)((position * 2654435761L >> 13) ^ (position >> 20));
        }
    }

    public static byte[] Bytes(long offset, int length)
    {
        var bytes = new byte[length];
        Fill(bytes, offset);
        return bytes;
    }

    public static string Md5(long bytes)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = new byte[1024 * 1024];
        for (long offset = 0; offset < bytes; offset += buffer.Length)
        {
            var length = (int)Math.Min(buffer.Length, bytes - offset);
            Fill(buffer.AsSpan(0, length), offset);
            md5.AppendData(buffer.AsSpan(0, length));
        }
        return Convert.ToHexStringLower(md5.GetHashAndReset());
    }

}
