using Microsoft.Extensions.Time.Testing;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Tests.Upstream;

/// <summary>The idle bound on an upstream body, on a fake clock: it counts only the time a read waits.</summary>
public sealed class UpstreamBodyStreamTests
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(30);

    /// <summary>Real time a test waits for what the fake clock should have caused, so a broken bound fails rather than hangs.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_read_that_waits_past_the_idle_timeout_ends_as_UpstreamTimeoutException()
    {
        var clock = new FakeTimeProvider();
        var inner = new StallingStream();
        await using var body = new UpstreamBodyStream(inner, Idle, clock);
        using var caller = new CancellationTokenSource();

        var read = body.ReadAsync(new byte[10], caller.Token).AsTask();
        clock.Advance(Idle - TimeSpan.FromSeconds(1));
        Assert.False(read.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));

        var timeout = await Assert.ThrowsAsync<UpstreamTimeoutException>(() => read.WaitAsync(Bound));
        Assert.Contains("Upstream:BodyIdleTimeout", timeout.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_read_gets_the_whole_idle_timeout_again()
    {
        var clock = new FakeTimeProvider();
        var inner = new StallingStream();
        await using var body = new UpstreamBodyStream(inner, Idle, clock);
        using var caller = new CancellationTokenSource();

        for (var i = 0; i < 5; i++)
        {
            var read = body.ReadAsync(new byte[10], caller.Token).AsTask();
            clock.Advance(Idle - TimeSpan.FromSeconds(1));
            inner.Deliver(3);
            Assert.Equal(3, await read.WaitAsync(Bound));
            // Time the caller spends elsewhere between reads does not count.
            clock.Advance(Idle * 2);
        }

        var last = body.ReadAsync(new byte[10], caller.Token).AsTask();
        clock.Advance(Idle);
        await Assert.ThrowsAsync<UpstreamTimeoutException>(() => last.WaitAsync(Bound));
    }

    [Fact]
    public async Task The_callers_cancellation_stays_a_cancellation()
    {
        var clock = new FakeTimeProvider();
        await using var body = new UpstreamBodyStream(new StallingStream(), Idle, clock);
        using var caller = new CancellationTokenSource();

        var read = body.ReadAsync(new byte[10], caller.Token).AsTask();
        await caller.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(Bound));
    }

    /// <summary>A body whose reads wait until the test delivers bytes or the read is cancelled.</summary>
    private sealed class StallingStream : Stream
    {
        private TaskCompletionSource<int>? _pending;

        public void Deliver(int count) => _pending!.TrySetResult(count);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _pending = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            return await _pending.Task.WaitAsync(cancellationToken);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => 0; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
