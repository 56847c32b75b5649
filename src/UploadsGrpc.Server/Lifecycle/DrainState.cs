namespace UploadsGrpc.Server.Lifecycle;

/// <summary>
/// The three moments of a shutdown, as tokens calls can watch: the signal (<see cref="Draining"/>: health says
/// NOT_SERVING, calls are still served), the end of the drain delay (<see cref="Closing"/>: GOAWAY, no new calls,
/// resumable uploads give way), and the end of the shutdown timeout (<see cref="Expired"/>: every call is cancelled).
/// </summary>
internal sealed class DrainState : IDisposable
{
    private readonly CancellationTokenSource _draining = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly CancellationTokenSource _expired = new();
    private readonly Lock _gate = new();
    private bool _disposed;

    public CancellationToken Draining => _draining.Token;

    public CancellationToken Closing => _closing.Token;

    public CancellationToken Expired => _expired.Token;

    public bool IsDraining => _draining.IsCancellationRequested;

    public void BeginDraining() => Signal(_draining);

    public void BeginClosing() => Signal(_closing);

    public void Expire() => Signal(_expired);

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _draining.Dispose();
            _closing.Dispose();
            _expired.Dispose();
        }
    }

    /// <summary>A moment that comes after the host is disposed (a timer that outlived it) has nobody left to tell.</summary>
    private void Signal(CancellationTokenSource moment)
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                moment.Cancel();
            }
        }
    }
}
