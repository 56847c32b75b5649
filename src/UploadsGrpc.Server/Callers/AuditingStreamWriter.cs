using Grpc.Core;

namespace UploadsGrpc.Server.Callers;

/// <summary>A response stream whose messages the audit sees, for the ids a stream learns as it goes.</summary>
internal sealed class AuditingStreamWriter<T>(IServerStreamWriter<T> inner, AuditRecord audit) : IServerStreamWriter<T>
    where T : class
{
    public WriteOptions? WriteOptions
    {
        get => inner.WriteOptions;
        set => inner.WriteOptions = value;
    }

    public Task WriteAsync(T message)
    {
        audit.Observe(message);
        return inner.WriteAsync(message);
    }

    public Task WriteAsync(T message, CancellationToken cancellationToken)
    {
        audit.Observe(message);
        return inner.WriteAsync(message, cancellationToken);
    }
}
