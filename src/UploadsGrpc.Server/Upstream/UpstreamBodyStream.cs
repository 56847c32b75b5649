namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// An upstream response body, read with two bounds the response headers' timeout does not give: no read waits
/// longer than the idle timeout for its next byte (a body that stalls would otherwise hold the upstream connection
/// and the call for as long as the caller waits, forever without a deadline), and, when set, no more than
/// <c>maxBytes</c> are read in all (a JSON answer is parsed in memory). The timer runs only while a read waits
/// for the upstream, not while the caller is slow to take what was read.
/// </summary>
internal sealed class UpstreamBodyStream(Stream inner, TimeSpan idleTimeout, TimeProvider clock, long? maxBytes = null) : Stream
{
    // One timer for the whole body, re-armed for each read, rather than one per read.
    private readonly CancellationTokenSource _idle = new(Timeout.InfiniteTimeSpan, clock);
    private CancellationTokenSource? _linked;
    private CancellationToken _linkedTo;
    private long _read;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_idle.IsCancellationRequested)
        {
            throw UpstreamTimeoutException.BodyIdle(idleTimeout);
        }
        var token = Link(cancellationToken);
        _idle.CancelAfter(idleTimeout);
        int read;
        try
        {
            read = await inner.ReadAsync(buffer, token);
        }
        catch (OperationCanceledException) when (_idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw UpstreamTimeoutException.BodyIdle(idleTimeout);
        }
        catch (IOException) when (_idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The handler may report a read it aborted as an IOException rather than a cancellation.
            throw UpstreamTimeoutException.BodyIdle(idleTimeout);
        }
        // Disarmed, not TryReset: that would also drop the linked source's registration on the idle token.
        _idle.CancelAfter(Timeout.InfiniteTimeSpan);
        if (_idle.IsCancellationRequested)
        {
            // The timer fired just as the read completed: the source stays cancelled, so the body ends here.
            throw UpstreamTimeoutException.BodyIdle(idleTimeout);
        }
        _read += read;
        if (maxBytes is { } max && _read > max)
        {
            throw new UpstreamBodyTooLargeException(max);
        }
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Every reader of an upstream body reads asynchronously; a synchronous read would not be bounded.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Upstream bodies are read asynchronously.");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>The token a read waits on: the caller's and the idle timer's, linked once per caller token.</summary>
    private CancellationToken Link(CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled)
        {
            return _idle.Token;
        }
        if (_linked is null || _linkedTo != cancellationToken)
        {
            _linked?.Dispose();
            _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _idle.Token);
            _linkedTo = cancellationToken;
        }
        return _linked.Token;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _linked?.Dispose();
            _idle.Dispose();
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
