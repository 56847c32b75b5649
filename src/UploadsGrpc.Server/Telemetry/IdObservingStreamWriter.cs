using Grpc.Core;

namespace UploadsGrpc.Server.Telemetry;

/// <summary>A response stream whose messages telemetry sees: UploadFile names its upload in its first event and its file in its last.</summary>
internal sealed class IdObservingStreamWriter<T>(IServerStreamWriter<T> inner, CallTelemetry call) : IServerStreamWriter<T>
    where T : class
{
    public WriteOptions? WriteOptions
    {
        get => inner.WriteOptions;
        set => inner.WriteOptions = value;
    }

    public Task WriteAsync(T message)
    {
        CallIds.FromResponse(call, message);
        return inner.WriteAsync(message);
    }

    public Task WriteAsync(T message, CancellationToken cancellationToken)
    {
        CallIds.FromResponse(call, message);
        return inner.WriteAsync(message, cancellationToken);
    }
}
