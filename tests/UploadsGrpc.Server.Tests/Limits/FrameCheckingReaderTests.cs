using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using UploadsGrpc.Server.Limits;

namespace UploadsGrpc.Server.Tests.Limits;

/// <summary>
/// The request frame guard's reader over an in-memory pipe: frames pass one at a time and unchanged, a header
/// that may not pass ends the read with its status before any byte of the frame is handed on.
/// </summary>
public sealed class FrameCheckingReaderTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task Frames_pass_unchanged_one_at_a_time_even_when_they_arrived_together()
    {
        var (pipe, reader, _) = Create(MethodFrameLimit.Uniform(1000));
        await pipe.Writer.WriteAsync(Frame(0, [1, 2, 3]).Concat(Frame(0, [4, 5])).ToArray());
        await pipe.Writer.CompleteAsync();

        var first = await reader.ReadAsync();
        Assert.Equal(Frame(0, [1, 2, 3]), first.Buffer.ToArray());
        Assert.False(first.IsCompleted);
        reader.AdvanceTo(first.Buffer.End);
        var second = await reader.ReadAsync();
        Assert.Equal(Frame(0, [4, 5]), second.Buffer.ToArray());
        Assert.True(second.IsCompleted);
        reader.AdvanceTo(second.Buffer.End);
        var end = await reader.ReadAsync();
        Assert.True(end.IsCompleted);
        Assert.True(end.Buffer.IsEmpty);
    }

    [Fact]
    public async Task A_frame_over_the_limit_of_its_place_is_MESSAGE_TOO_LARGE_before_any_byte_passes()
    {
        var (pipe, reader, _) = Create(new MethodFrameLimit(First: 10, Later: 100, LaterWhat: "a chunk"));
        await pipe.Writer.WriteAsync(Frame(0, new byte[10]).Concat(Frame(0, new byte[101])).ToArray());

        var first = await reader.ReadAsync();
        reader.AdvanceTo(first.Buffer.End);
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await reader.ReadAsync());

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        var info = refused.GetRpcStatus()!.GetDetail<ErrorInfo>();
        Assert.Equal(("uploadsgrpc", "MESSAGE_TOO_LARGE", "100"), (info.Domain, info.Reason, info.Metadata["limit_bytes"]));
        Assert.Null(refused.GetRpcStatus()!.GetDetail<RetryInfo>());
    }

    [Theory]
    [InlineData(1, false, "grpc-encoding")]
    [InlineData(2, true, "flags byte 2")]
    public async Task A_bad_flags_byte_is_MALFORMED_FRAME(byte flags, bool hasEncoding, string says)
    {
        var (pipe, reader, _) = Create(MethodFrameLimit.Uniform(1000), hasEncoding);
        await pipe.Writer.WriteAsync(Frame(flags, [1]));

        var refused = await Assert.ThrowsAsync<RpcException>(async () => await reader.ReadAsync());

        Assert.Equal(StatusCode.Internal, refused.StatusCode);
        Assert.Equal("MALFORMED_FRAME", refused.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
        Assert.Contains(says, refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_compressed_frame_with_grpc_encoding_passes()
    {
        var (pipe, reader, _) = Create(MethodFrameLimit.Uniform(1000), hasEncoding: true);
        await pipe.Writer.WriteAsync(Frame(1, [9]));

        Assert.Equal(Frame(1, [9]), (await reader.ReadAsync()).Buffer.ToArray());
    }

    [Theory]
    [InlineData(3, 0)]
    [InlineData(10, 7)]
    public async Task A_body_that_ends_inside_a_frame_is_MALFORMED_FRAME(int declared, int sent)
    {
        var (pipe, reader, _) = Create(MethodFrameLimit.Uniform(1000));
        var frame = Frame(0, new byte[declared]);
        await pipe.Writer.WriteAsync(frame.AsMemory(0, declared == 3 ? 3 : 5 + sent));
        await pipe.Writer.CompleteAsync();

        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            for (var i = 0; i < 3; i++)
            {
                var result = await reader.ReadAsync();
                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            }
        });

        Assert.Equal(StatusCode.Internal, refused.StatusCode);
        Assert.Equal("MALFORMED_FRAME", refused.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
    }

    [Fact]
    public async Task A_frame_over_1_MiB_is_copied_out_whole_and_its_bytes_are_the_same()
    {
        var (pipe, reader, budget) = Create(MethodFrameLimit.Uniform(8 * MiB));
        var payload = new byte[(3 * MiB) + 17];
        new Random(3).NextBytes(payload);
        var frame = Frame(0, payload);
        var writing = Task.Run(async () =>
        {
            // Arrives in pieces, as from a socket.
            for (var offset = 0; offset < frame.Length; offset += 100_000)
            {
                await pipe.Writer.WriteAsync(frame.AsMemory(offset, Math.Min(100_000, frame.Length - offset)));
            }
            await pipe.Writer.CompleteAsync();
        });

        var result = await reader.ReadAsync();

        Assert.Equal(frame, result.Buffer.ToArray());
        Assert.Equal((3 * MiB) + 1024, budget.InUse);
        reader.AdvanceTo(result.Buffer.End);
        await writing;
        var end = await reader.ReadAsync();
        Assert.True(end.IsCompleted && end.Buffer.IsEmpty);
    }

    [Fact]
    public async Task A_frame_the_budget_cannot_hold_is_MEMORY_EXHAUSTED_with_retry_info_and_a_covered_one_needs_none()
    {
        var (pipe, reader, budget) = Create(MethodFrameLimit.Uniform(MiB), budgetBytes: 100 * 1024, frames: out var frames);
        using var taken = await budget.TryReserveAsync(100 * 1024, CancellationToken.None);
        await pipe.Writer.WriteAsync(Frame(0, new byte[80 * 1024]));

        var refused = await Assert.ThrowsAsync<RpcException>(async () => await reader.ReadAsync());

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal("MEMORY_EXHAUSTED", refused.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
        Assert.Equal(1, refused.GetRpcStatus()!.GetDetail<RetryInfo>().RetryDelay.Seconds);

        var (pipe2, reader2, _) = Create(MethodFrameLimit.Uniform(MiB), budgetBytes: 100 * 1024, frames: out var covered, budget);
        covered.Cover(MiB);
        await pipe2.Writer.WriteAsync(Frame(0, new byte[80 * 1024]));
        Assert.Equal(5 + (80 * 1024), (await reader2.ReadAsync()).Buffer.Length);
        frames.Dispose();
    }

    private static (Pipe Pipe, FrameCheckingReader Reader, MemoryBudget Budget) Create(MethodFrameLimit limit, bool hasEncoding = false)
    {
        var (pipe, reader, budget) = Create(limit, 64 * MiB, out _, null, hasEncoding);
        return (pipe, reader, budget);
    }

    private static (Pipe Pipe, FrameCheckingReader Reader, MemoryBudget Budget) Create(
        MethodFrameLimit limit, long budgetBytes, out RequestFrames frames, MemoryBudget? shared = null, bool hasEncoding = false)
    {
        // No back-pressure: a test writes a whole frame before it reads.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var budget = shared ?? new MemoryBudget(budgetBytes, TimeSpan.FromMilliseconds(100), TimeProvider.System);
        frames = new RequestFrames("/test/Method", limit, hasEncoding, budget, NullLogger.Instance, CancellationToken.None);
        return (pipe, new FrameCheckingReader(pipe.Reader, frames, new SegmentPool(16 * MiB)), budget);
    }

    private static byte[] Frame(byte flags, byte[] payload)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }
}
