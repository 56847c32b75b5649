using System.Threading.Channels;
using Grpc.Core;

namespace UploadsGrpc.Server.Uploads.UploadFile;

/// <summary>
/// The one writer of a server stream. A gRPC stream takes one write at a time, while events come from the
/// reading loop and from parts finishing in parallel; they queue here, so posting never waits for the client
/// to read (the queue is bounded by the number of parts and progress is coalesced by its callers).
/// </summary>
internal sealed class ResponsePump<T>
    where T : class
{
    private readonly Channel<T> _queue = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public ResponsePump(IServerStreamWriter<T> stream, CancellationToken cancellation) =>
        _writer = WriteAllAsync(stream, cancellation);

    public void Post(T message) => _queue.Writer.TryWrite(message);

    /// <summary>Sends what is queued and stops; throws if a write failed.</summary>
    public async Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
    }

    /// <summary>Stops without waiting for the client; a failed write no longer matters.</summary>
    public async Task AbandonAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _writer;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException or RpcException)
        {
        }
    }

    private async Task WriteAllAsync(IServerStreamWriter<T> stream, CancellationToken cancellation)
    {
        await Task.Yield();
        await foreach (var message in _queue.Reader.ReadAllAsync(cancellation))
        {
            await stream.WriteAsync(message, cancellation);
        }
    }
}
