using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace UploadsGrpc.Server.Limits;

/// <summary>
/// The request body as grpc-dotnet reads it, with each gRPC frame's 5-byte header (flags, then a big-endian
/// length) checked by <see cref="RequestFrames"/> before any byte of that frame is handed on. A read never returns
/// bytes past the end of the frame being read, so no frame is seen, or examined (which is what opens Kestrel's
/// HTTP/2 window for more), before its header passed. Hand-written because no library inspects gRPC framing
/// below grpc-dotnet, whose own checks come after it has buffered the whole message.
/// </summary>
internal sealed class FrameCheckingReader(PipeReader inner, RequestFrames frames) : PipeReader
{
    private const int HeaderBytes = 5;
    private ReadOnlySequence<byte> _handedOut;
    private long _consumed;
    private long _frameStart;
    private long _frameEnd;

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
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
            Span<byte> header = stackalloc byte[HeaderBytes];
            buffer.Slice(0, HeaderBytes).CopyTo(header);
            var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
            var flags = header[0];
            await frames.StartAsync(flags, length);
            _frameStart = _consumed;
            _frameEnd = _consumed + HeaderBytes + length;
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
        _consumed += _handedOut.Slice(0, consumed).Length;
        _handedOut = default;
        inner.AdvanceTo(consumed, examined);
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
