using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace UploadsGrpc.Server.Limits;

/// <summary>
/// The request body as grpc-dotnet reads it, with each gRPC frame's 5-byte header (flags, then a big-endian
/// length) checked by <see cref="RequestFrames"/> before any byte of that frame is handed on. A read never returns
/// bytes past the end of the frame being read, so no frame is seen, or examined (which is what opens Kestrel's
/// HTTP/2 window for more), before its header passed.
/// </summary>
/// <remarks>
/// A frame over <see cref="SpoolAbove"/> is copied out of Kestrel's buffers into <see cref="SegmentPool"/> arrays
/// as it arrives and handed on whole. Left in Kestrel's buffers, a 64 MiB part would sit in 16,384 blocks of
/// Kestrel's pinned memory pool, which keeps them after the call and gives back 5 % every 10 s (128 MiB of it
/// were still held minutes after two parts); the segments are dropped when the server is idle. Hand-written because
/// no library inspects gRPC framing below grpc-dotnet, whose own checks come after it has buffered the whole message.
/// </remarks>
internal sealed class FrameCheckingReader(PipeReader inner, RequestFrames frames, SegmentPool segments) : PipeReader
{
    /// <summary>Frames up to this size (header included) are read from Kestrel's buffers as they are.</summary>
    public const int SpoolAbove = 1024 * 1024;

    private const int HeaderBytes = 5;
    private ReadOnlySequence<byte> _handedOut;
    private long _consumed;
    private long _frameStart;
    private long _frameEnd;
    private Spool? _spool;
    private ReadOnlySequence<byte> _spooled;

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (_spool is not null)
        {
            // The reader came back for the rest of a spooled frame.
            return Hand(new ReadResult(_spooled, isCanceled: false, isCompleted: false));
        }
        var result = await inner.ReadAsync(cancellationToken);
        var buffer = result.Buffer;
        if (result.IsCanceled)
        {
            // The reader gives up on a cancelled read; none of the unchecked bytes need to reach it.
            return Hand(new ReadResult(buffer.Slice(0, 0), isCanceled: true, isCompleted: false));
        }
        if (_consumed == _frameEnd)
        {
            // The reader stands at a frame's start: its header decides whether the frame may pass.
            if (buffer.Length < HeaderBytes)
            {
                // A partial header (or the clean end of the body) is handed on whole, so the reader examines it
                // and waits for more instead of being woken again at once.
                return !result.IsCompleted || buffer.IsEmpty ? Hand(result) : throw LimitRefusals.Truncated(buffer.Length, HeaderBytes);
            }
            var length = ReadHeader(buffer, out var flags);
            await frames.StartAsync(flags, length);
            _frameStart = _consumed;
            _frameEnd = _consumed + HeaderBytes + length;
            if (HeaderBytes + length > SpoolAbove)
            {
                return Hand(await SpoolAsync(result, cancellationToken));
            }
        }
        var left = _frameEnd - _consumed;
        if (buffer.Length > left)
        {
            // The next frame's bytes wait until this frame is consumed and the next header checked.
            return Hand(new ReadResult(buffer.Slice(0, left), isCanceled: false, isCompleted: false));
        }
        if (result.IsCompleted && buffer.Length < left)
        {
            throw LimitRefusals.Truncated(_consumed + buffer.Length - _frameStart, _frameEnd - _frameStart);
        }
        return Hand(result);
    }

    /// <summary>Copies the whole frame out of Kestrel's buffers, consuming them as it goes, and returns it as one read.</summary>
    private async ValueTask<ReadResult> SpoolAsync(ReadResult result, CancellationToken cancellationToken)
    {
        var spool = new Spool(segments);
        var total = _frameEnd - _frameStart;
        try
        {
            while (true)
            {
                var buffer = result.Buffer;
                var take = Math.Min(buffer.Length, total - spool.Length);
                spool.Append(buffer.Slice(0, take));
                inner.AdvanceTo(buffer.GetPosition(take));
                _consumed += take;
                if (spool.Length == total)
                {
                    break;
                }
                if (result.IsCompleted)
                {
                    throw LimitRefusals.Truncated(spool.Length, total);
                }
                result = await inner.ReadAsync(cancellationToken);
                if (result.IsCanceled)
                {
                    throw new OperationCanceledException("The read of a request frame was cancelled.");
                }
            }
        }
        catch
        {
            spool.Release();
            throw;
        }
        _spool = spool;
        _spooled = spool.ToSequence();
        return new ReadResult(_spooled, isCanceled: false, isCompleted: false);
    }

    private static uint ReadHeader(ReadOnlySequence<byte> buffer, out byte flags)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        buffer.Slice(0, HeaderBytes).CopyTo(header);
        flags = header[0];
        return BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
    }

    public override bool TryRead(out ReadResult result)
    {
        // A synchronous read could not wait for memory; grpc-dotnet never calls this, and a caller that gets
        // false reads asynchronously, so nothing passes unchecked.
        result = default;
        return false;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (_spool is { } spool)
        {
            // Kestrel's buffers were consumed while spooling; the positions are the spool's own.
            _spooled = _spooled.Slice(consumed);
            _handedOut = default;
            if (_spooled.IsEmpty)
            {
                // The frame is parsed (protobuf copies what it keeps): its arrays go back.
                _spool = null;
                spool.Release();
            }
            return;
        }
        _consumed += _handedOut.Slice(0, consumed).Length;
        _handedOut = default;
        inner.AdvanceTo(consumed, examined);
    }

    /// <summary>Gives back a spooled frame the call ended without consuming.</summary>
    public void Release()
    {
        _spool?.Release();
        _spool = null;
        _spooled = default;
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    private ReadResult Hand(ReadResult result)
    {
        _handedOut = result.Buffer;
        return result;
    }
}
