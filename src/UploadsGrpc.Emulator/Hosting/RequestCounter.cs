namespace UploadsGrpc.Emulator.Hosting;

/// <summary>
/// Counts the /v1 requests the emulator received, so tests can prove a client sent nothing upstream (a refused
/// stream must not even create an upload), and those whose client went away before the answer was finished, so
/// tests can prove a client aborted its request (a server that cancels its upstream call on shutdown).
/// </summary>
public sealed class RequestCounter
{
    private long _total;
    private long _aborted;

    public long Total => Interlocked.Read(ref _total);

    /// <summary>Requests whose <see cref="HttpContext.RequestAborted"/> fired while the emulator was still answering.</summary>
    public long Aborted => Interlocked.Read(ref _aborted);

    /// <summary>Counts one /v1 request while it runs, and as aborted if its client went away before it finished.</summary>
    public async Task CountAsync(HttpContext http, RequestDelegate next)
    {
        Interlocked.Increment(ref _total);
        try
        {
            await next(http);
        }
        finally
        {
            // A fault that drops the connection aborts the request too; that is the emulator's doing, not the client's.
            if (http.RequestAborted.IsCancellationRequested && !DroppedConnection.IsMarked(http))
            {
                Interlocked.Increment(ref _aborted);
            }
        }
    }
}
