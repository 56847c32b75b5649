using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>
/// A scripted upstream, a second one standing for "another host" that redirects point to, and a façade whose logs
/// are kept, with short body and retry bounds so stalls and huge Retry-After values show within a test's time.
/// </summary>
public sealed class HostileUpstreamFixture : IAsyncLifetime
{
    public ScriptedUpstream Upstream { get; private set; } = null!;

    /// <summary>Where the hostile upstream redirects to; it must never get a request.</summary>
    public ScriptedUpstream OtherHost { get; private set; } = null!;

    public FacadeHost Facade { get; private set; } = null!;

    public CapturedLogs Logs { get; } = new();

    public static readonly TimeSpan BodyIdleTimeout = TimeSpan.FromSeconds(1);

    public UploadService.UploadServiceClient Uploads => Facade.Uploads;

    public FileService.FileServiceClient Files => new(Facade.Channel);

    public async Task InitializeAsync()
    {
        Upstream = await ScriptedUpstream.StartAsync();
        OtherHost = await ScriptedUpstream.StartAsync();
        var settings = FacadeHost.SettingsFor(Upstream.BaseUrl);
        settings["Upstream:BodyIdleTimeout"] = "00:00:01";
        // One answer each: what each hostile answer becomes, with the one request it took. Retries are tested
        // on their own (UpstreamRetryTests, ResilienceTests); UploadFile's parts still retry (Streaming:PartAttempts).
        settings["Upstream:MaxRetries"] = "0";
        Facade = new FacadeHost(settings) { Logs = Logs };
        _ = Facade.Address;
    }

    /// <summary>Clears the recorded requests of both upstreams for the next test.</summary>
    public ScriptedUpstream Fresh()
    {
        Upstream.Reset();
        OtherHost.Reset();
        return Upstream;
    }

    public async Task DisposeAsync()
    {
        await Facade.DisposeAsync();
        await Upstream.DisposeAsync();
        await OtherHost.DisposeAsync();
    }
}
