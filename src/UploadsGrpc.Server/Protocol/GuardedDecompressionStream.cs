namespace UploadsGrpc.Server.Protocol;

/// <summary>
/// Reads a decompression stream, turning its InvalidDataException (bad header, bad block, truncated data) into
/// MALFORMED_FRAME and more than <paramref name="maxBytes"/> of output into MESSAGE_TOO_LARGE. grpc-dotnet copies
/// the whole stream synchronously into one buffer, so the synchronous reads are the ones that matter; the
/// asynchronous ones are guarded the same way for any other reader.
/// </summary>
internal sealed class GuardedDecompressionStream(Stream inner, string encoding, long maxBytes) : Stream
{
    private long _read;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return Count(inner.Read(buffer));
        }
        catch (InvalidDataException)
        {
            throw ProtocolErrors.MalformedFrame(encoding);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return Count(await inner.ReadAsync(buffer, cancellationToken));
        }
        catch (InvalidDataException)
        {
            throw ProtocolErrors.MalformedFrame(encoding);
        }
    }

    private int Count(int read)
    {
        _read += read;
        if (_read > maxBytes)
        {
            throw ProtocolErrors.DecompressedTooLarge(encoding, maxBytes);
        }
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
