using Microsoft.Extensions.Options;

namespace UploadsGrpc.Server.Tls;

/// <summary>Reads the TLS files again every Tls:ReloadInterval (see <see cref="PolledFiles"/> for why it polls).</summary>
internal sealed class TlsReloader(
    IOptions<TlsOptions> options,
    ServerCertificateSource certificates,
    ClientCertificateTrust trust,
    TimeProvider clock) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }
        using var timer = new PeriodicTimer(options.Value.ReloadInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            certificates.Reload();
            trust.Reload();
        }
    }
}
