using Grpc.Core;

namespace UploadsGrpc.Server.Telemetry;

/// <summary>
/// A response stream whose messages someone sees as they are written: the audit and the call's telemetry, for the
/// ids a stream learns as it goes (UploadFile names its upload in its first event and its file in its last).
/// </summary>
internal sealed class ObservedStreamWriter<T>(IServerStreamWriter<T> inner, Action<T> observe) : IServerStreamWriter<T>
    where T : class
{
    public WriteOptions? WriteOptions
    {
        get => inner.WriteOptions;
        set => inner.WriteOptions = value;
    }

    public Task WriteAsync(T message)
    {
        observe(message);
        return inner.WriteAsync(message);
    }

    public Task WriteAsync(T message, CancellationToken cancellationToken)
    {
        observe(message);
        return inner.WriteAsync(message, cancellationToken);
    }
}
