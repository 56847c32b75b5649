using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Telemetry;

namespace UploadsGrpc.Server.Lifecycle;

/// <summary>
/// Runs the drain on SIGTERM, before the web server stops: health turns NOT_SERVING at once, calls are served for
/// Shutdown:DrainDelay, then Kestrel may send GOAWAY; Shutdown:Timeout later every call still running is cancelled.
/// A lifecycle service because its StoppingAsync runs before any hosted service's StopAsync, Kestrel's included.
/// </summary>
internal sealed class DrainCoordinator(
    DrainState drain,
    ServingStatus serving,
    IOptions<ShutdownOptions> options,
    TimeProvider clock,
    ILogger<DrainCoordinator> logger) : IHostedLifecycleService, IDisposable
{
    private readonly Lock _gate = new();
    private ITimer? _expiry;
    private bool _disposed;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var shutdown = options.Value;
        drain.BeginDraining();
        serving.ReportDraining();
        ServerLog.DrainStarted(logger, shutdown.DrainDelay.TotalSeconds, shutdown.Timeout.TotalSeconds);
        try
        {
            await Task.Delay(shutdown.DrainDelay, clock, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The host gave up waiting (its own timeout); closing now is all that is left.
        }
        // The expiry is armed first: whatever closing does, calls are still cancelled at the timeout. Not when
        // the host was disposed while the delay ran: a timer armed then would outlive everything it serves.
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _expiry = clock.CreateTimer(_ => Expire(), null, shutdown.Timeout, Timeout.InfiniteTimeSpan);
        }
        ServerLog.DrainDelayEnded(logger, shutdown.Timeout.TotalSeconds);
        drain.BeginClosing();
    }

    private void Expire()
    {
        ServerLog.ShutdownTimeoutReached(logger);
        drain.Expire();
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _expiry?.Dispose();
        }
    }
}
