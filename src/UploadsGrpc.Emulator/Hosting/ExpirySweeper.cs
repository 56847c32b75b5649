using Microsoft.Extensions.Options;
using UploadsGrpc.Emulator.State;

namespace UploadsGrpc.Emulator.Hosting;

/// <summary>
/// Expires uploads and files whose time has passed even when nobody asks about them, so their bytes leave
/// the disk. Requests expire what they touch on their own; this only bounds how long the rest waits.
/// </summary>
internal sealed class ExpirySweeper(UploadStore uploads, FileStore files, IOptions<EmulatorOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await uploads.SweepExpiredAsync();
                files.SweepExpired();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
