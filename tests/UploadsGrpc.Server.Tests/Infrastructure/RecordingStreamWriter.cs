using Google.Protobuf;
using Grpc.Core;

namespace UploadsGrpc.Server.Tests.Infrastructure;

/// <summary>
/// A server stream that keeps every message written to it, in order. Each message is serialized when it is written,
/// as gRPC does, and a parsed copy is kept: a message that wraps a reused buffer is recorded as it was at the write.
/// </summary>
internal sealed class RecordingStreamWriter<T> : IServerStreamWriter<T>
    where T : class, IMessage<T>, new()
{
    private static readonly MessageParser<T> Parser = new(() => new T());

    private readonly Lock _lock = new();
    private readonly ChangeSignal _changes = new();
    private readonly List<T> _messages = [];

    public WriteOptions? WriteOptions { get; set; }

    public IReadOnlyList<T> Messages
    {
        get
        {
            lock (_lock)
            {
                return [.. _messages];
            }
        }
    }

    public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

    public Task WriteAsync(T message, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            _messages.Add(Parser.ParseFrom(message.ToByteArray()));
        }
        _changes.Notify();
        return Task.CompletedTask;
    }

    public Task WaitUntilAsync(Func<IReadOnlyList<T>, bool> condition, string what) =>
        _changes.WaitUntilAsync(() => condition(Messages), what);
}
