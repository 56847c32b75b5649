using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using UploadsGrpc.Emulator.Hosting;
using UploadsGrpc.Server.Telemetry;

namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// In emulator mode, runs the emulator in this process as a web application of its own, on a loopback
/// HTTP/1.1 port, so the service works on a fresh machine with no account and no network. The service
/// still reaches it through a real socket and the same HTTP client as the real API.
/// </summary>
internal sealed class EmbeddedEmulator(
    IOptions<UpstreamOptions> options,
    IConfiguration configuration,
    ILoggerFactory loggerFactory,
    ILogger<EmbeddedEmulator> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The emulator's REST root (<c>http://127.0.0.1:PORT/v1/</c>), once started.</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/v1/");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var upstream = options.Value;
        if (upstream.ResolvedMode != UpstreamMode.Emulator)
        {
            return;
        }
        // Only the Emulator section is passed on: the server's own settings (Urls, Kestrel) are not the emulator's.
        var emulatorSettings = configuration.GetSection(EmulatorOptions.SectionName).AsEnumerable()
            .Where(pair => pair.Value is not null).ToDictionary(pair => pair.Key, pair => pair.Value);
        _app = EmulatorApplication.Create([], builder =>
        {
            // Its configuration is the server's Emulator section and nothing else: not the server's appsettings.json
            // or ASPNETCORE_URLS, which would otherwise put it on the server's own port.
            builder.Configuration.Sources.Clear();
            builder.Configuration.AddInMemoryCollection(emulatorSettings);
            builder.WebHost.UseUrls(new UriBuilder(Uri.UriSchemeHttp, IPAddress.Loopback.ToString(), upstream.EmulatorPort).Uri.ToString());
            // Its logs join the server's, minus a second set of "Now listening" lines.
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(new ForwardingLoggerProvider(loggerFactory));
            builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.None);
            builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
        });
        await _app.StartAsync(cancellationToken);
        var address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        BaseAddress = new Uri(address.TrimEnd('/') + "/v1/");
        ServerLog.EmbeddedEmulatorStarted(logger, BaseAddress, upstream.ModeReason);
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
