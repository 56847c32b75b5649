using System.Net;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>
/// The façade's real Program on Kestrel, on a loopback port, speaking h2c (or TLS when the settings give Tls:*):
/// the same limits and protocol negotiation a client meets in production, which the in-memory TestServer would hide.
/// </summary>
public sealed class FacadeHost : WebApplicationFactory<Program>
{
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly string _environment;
    private GrpcChannel? _channel;

    /// <summary>A façade with these settings, in Development (as tests run by default) or the environment named.</summary>
    public FacadeHost(IReadOnlyDictionary<string, string?> settings, string environment = "Development")
    {
        _environment = environment;
        // The idle-time upstream probe would add a GET /files to the requests tests count; tests that need it set it.
        var all = new Dictionary<string, string?>(settings);
        all.TryAdd("Health:UpstreamProbeInterval", QuietProbeInterval);
        // Disposing the host stops it as SIGTERM would: without this every test class would wait out a drain delay.
        all.TryAdd("Shutdown:DrainDelay", "00:00:00");
        _settings = all;
        UseKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
    }

    /// <summary>A probe interval longer than any test, so the upstream sees only the requests a test causes.</summary>
    public const string QuietProbeInterval = "01:00:00";

    public const string ApiKey = "sk-test-Secret0123456789abcdefghijKLMNOP";

    /// <summary>
    /// The settings most tests use: the scripted upstream, a key that must never leak, retries with short waits,
    /// and a circuit breaker that does not open: tests sharing one facade stage upstream failures on purpose, and
    /// an open circuit would carry one test's failures into the next (the breaker's own tests set it).
    /// </summary>
    public static Dictionary<string, string?> SettingsFor(Uri upstream) => new()
    {
        ["OPENAI_BASE_URL"] = upstream.ToString(),
        ["OPENAI_API_KEY"] = ApiKey,
        ["Upstream:RetryBaseDelay"] = "00:00:00.010",
        ["Upstream:MaxRetryDelay"] = "00:00:00.050",
        ["Upstream:Breaker:MinimumThroughput"] = "1000000",
    };

    public Uri Address
    {
        get
        {
            StartServer();
            var address = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            return new Uri(address);
        }
    }

    public GrpcChannel Channel => _channel ??= GrpcChannel.ForAddress(Address, new GrpcChannelOptions
    {
        MaxSendMessageSize = null,
        MaxReceiveMessageSize = null,
    });

    public UploadService.UploadServiceClient Uploads => new(Channel);

    /// <summary>A provider that also receives the host's logs, for tests that assert what was logged.</summary>
    public ILoggerProvider? Logs { get; init; }

    /// <summary>More services, registered after the host's own: telemetry tests add their in-memory exporters here.</summary>
    public Action<IServiceCollection>? MoreServices { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_environment);
        builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(_settings));
        if (Logs is { } logs)
        {
            builder.ConfigureServices(services => services.AddSingleton(logs));
        }
        if (MoreServices is { } more)
        {
            builder.ConfigureServices(more);
        }
    }

    protected override void Dispose(bool disposing)
    {
        _channel?.Dispose();
        base.Dispose(disposing);
    }
}
