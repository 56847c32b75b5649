using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace UploadsGrpc.Server.Telemetry;

/// <summary>
/// The admin port: a web application of its own in this process, on HTTP/1.1, serving the Prometheus scrape of
/// the service's meter provider. Its own host rather than a second endpoint of the gRPC one: that endpoint would
/// take the gRPC port's HTTP/2-only protocol, caller authentication and guards, and a Kestrel endpoint set in
/// code would make Kestrel ignore <c>--urls</c> and <c>ASPNETCORE_HTTP_PORTS</c>.
/// </summary>
/// <param name="hostAsFollower">Makes the admin host follow the server's: its logs into the server's, no shutdown of its own.</param>
internal sealed class AdminServer(
    IOptions<AdminOptions> options,
    IServiceProvider services,
    Action<WebApplicationBuilder> hostAsFollower,
    ILogger<AdminServer> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var admin = options.Value;
        if (admin.Port is not { } port)
        {
            return;
        }
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Parse(admin.Address), port, listen => listen.Protocols = HttpProtocols.Http1);
            // A scrape is one small GET; nothing on this port needs a large request.
            kestrel.Limits.MaxRequestBodySize = 0;
            kestrel.Limits.MaxConcurrentConnections = 64;
        });
        hostAsFollower(builder);
        _app = builder.Build();
        _app.MapPrometheusScrapingEndpoint(admin.MetricsPath, services.GetRequiredService<MeterProvider>(), configureBranchedPipeline: null, optionsName: null);
        await _app.StartAsync(cancellationToken);
        ServerLog.AdminListening(logger, admin.Address, port, admin.MetricsPath);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
