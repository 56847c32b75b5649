using Google.Protobuf;
using Grpc.Core;

namespace UploadsGrpc.Server.Tests.Infrastructure;

/// <summary>
/// A server stream that serializes each message when it is written, as gRPC does, and keeps a parsed copy: a message
/// that wraps a reused buffer is recorded as it was at the write, not as the buffer became later.
/// </summary>
internal sealed class SerializingStreamWriter<T> : IServerStreamWriter<T>
    where T : class, IMessage<T>, new()
{
    private static readonly MessageParser<T> Parser = new(() => new T());
    private readonly List<T> _messages = [];

    public WriteOptions? WriteOptions { get; set; }

    public IReadOnlyList<T> Messages => _messages;

    public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

    public Task WriteAsync(T message, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _messages.Add(Parser.ParseFrom(message.ToByteArray()));
        return Task.CompletedTask;
    }
}
