using Grpc.Core;

namespace UploadsGrpc.Server.Tests.Infrastructure;

/// <summary>A server stream that keeps every message written to it, in order.</summary>
internal sealed class RecordingStreamWriter<T> : IServerStreamWriter<T>
    where T : class
{
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
            _messages.Add(message);
        }
        _changes.Notify();
        return Task.CompletedTask;
    }

    public Task WaitUntilAsync(Func<IReadOnlyList<T>, bool> condition, string what) =>
        _changes.WaitUntilAsync(() => condition(Messages), what);
}
