using Grpc.Core;

namespace UploadsGrpc.Server.Callers;

/// <summary>A request stream whose messages meet the caller's policy, and the audit, before the service reads them.</summary>
internal sealed class CheckedStreamReader<T>(IAsyncStreamReader<T> inner, Caller caller, AuditRecord? audit) : IAsyncStreamReader<T>
    where T : class
{
    public T Current => inner.Current;

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (!await inner.MoveNext(cancellationToken))
        {
            return false;
        }
        audit?.Observe(inner.Current);
        CallerPolicyCheck.Check(caller, inner.Current);
        return true;
    }
}
