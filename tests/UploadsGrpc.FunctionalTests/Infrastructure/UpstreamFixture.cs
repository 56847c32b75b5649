using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>A scripted upstream and a façade pointed at it, shared by the tests of one class.</summary>
public sealed class UpstreamFixture : IAsyncLifetime
{
    public ScriptedUpstream Upstream { get; private set; } = null!;

    public FacadeHost Facade { get; private set; } = null!;

    public UploadService.UploadServiceClient Uploads => Facade.Uploads;

    public async Task InitializeAsync()
    {
        Upstream = await ScriptedUpstream.StartAsync();
        var settings = FacadeHost.SettingsFor(Upstream.BaseUrl);
        // One request per scripted answer: these tests are about what one answer becomes (the table of errors, the
        // request's shape). Retries are tested on their own (UpstreamRetryTests, ResilienceTests, FaultRunTests).
        settings["Upstream:MaxRetries"] = "0";
        Facade = new FacadeHost(settings);
        _ = Facade.Address;
    }

    /// <summary>Clears the recorded requests and scripts an answer for the next test.</summary>
    public ScriptedUpstream Fresh()
    {
        Upstream.Reset();
        return Upstream;
    }

    public async Task DisposeAsync()
    {
        await Facade.DisposeAsync();
        await Upstream.DisposeAsync();
    }
}
