using Grpc.Core;
using Microsoft.Extensions.Time.Testing;
using UploadsGrpc.Server.Uploads.UploadFile;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Tests.Uploads.UploadFile;

/// <summary>Streaming:IdleTimeout counts only the time the session waits for the client's next message.</summary>
public sealed class RequestReaderTests
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_read_that_gets_no_message_for_the_idle_timeout_ends_with_StreamIdleException()
    {
        var clock = new FakeTimeProvider();
        var client = new QuietClient();
        using var reader = new RequestReader(client, Idle, clock);

        var read = reader.MoveNextAsync(CancellationToken.None);
        clock.Advance(Idle - TimeSpan.FromMilliseconds(1));
        Assert.False(read.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));

        var ex = await Assert.ThrowsAsync<StreamIdleException>(() => read);
        Assert.Equal(Idle, ex.IdleTimeout);
    }

    [Fact]
    public async Task Time_between_reads_does_not_count_and_each_message_restarts_the_clock()
    {
        var clock = new FakeTimeProvider();
        var client = new QuietClient();
        using var reader = new RequestReader(client, Idle, clock);

        for (var i = 0; i < 3; i++)
        {
            var read = reader.MoveNextAsync(CancellationToken.None);
            clock.Advance(Idle - TimeSpan.FromSeconds(1));
            client.Send();
            Assert.True(await read);
            // The session is busy (all part slots taken) for longer than the timeout: that is not the client's idling.
            clock.Advance(Idle * 2);
        }
    }

    [Fact]
    public async Task The_callers_cancellation_stays_a_cancellation()
    {
        var clock = new FakeTimeProvider();
        using var reader = new RequestReader(new QuietClient(), Idle, clock);
        using var cancel = new CancellationTokenSource();

        var read = reader.MoveNextAsync(cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
    }

    [Fact]
    public async Task A_broken_stream_is_ClientStreamBrokenException()
    {
        using var reader = new RequestReader(new QuietClient { Failure = new IOException("The client reset the request stream.") }, Idle, new FakeTimeProvider());

        await Assert.ThrowsAsync<ClientStreamBrokenException>(() => reader.MoveNextAsync(CancellationToken.None));
    }

    /// <summary>A client that sends a message only when told to.</summary>
    private sealed class QuietClient : IAsyncStreamReader<UploadFileRequest>
    {
        private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Exception? Failure { get; init; }

        public UploadFileRequest Current { get; } = new();

        public void Send() => _next.SetResult();

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (Failure is not null)
            {
                throw Failure;
            }
            await _next.Task.WaitAsync(cancellationToken);
            _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
            return true;
        }
    }
}
