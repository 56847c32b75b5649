using System.Text.Json;
using Google.Rpc;
using Grpc.Core;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>
/// The standalone emulator as the upstream of in-process hosts, and a directory for the files a test configures
/// them with. Its request counter proves a refused call sent nothing upstream.
/// </summary>
public sealed class EmulatorUpstream : IAsyncLifetime
{
    public EmulatorProcess Emulator { get; private set; } = null!;

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("uploadsgrpc-callers-").FullName;

    public async Task InitializeAsync() => Emulator = await EmulatorProcess.StartAsync();

    /// <summary>A host's settings with the emulator as its upstream, and <paramref name="more"/>.</summary>
    public Dictionary<string, string?> Settings(IReadOnlyDictionary<string, string?> more)
    {
        var settings = FacadeHost.SettingsFor(Emulator.ApiBase);
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }
        return settings;
    }

    /// <summary>How many /v1 requests the emulator has received.</summary>
    public async Task<long> RequestTotalAsync() =>
        JsonDocument.Parse(await Emulator.Http.GetStringAsync("_admin/requests")).RootElement.GetProperty("total").GetInt64();

    /// <summary>The call fails with this status and reason in the façade's domain, and the emulator saw no request.</summary>
    public async Task<(RpcException Failure, ErrorInfo Info)> RefusedAsync(StatusCode code, string reason, Func<Task> call)
    {
        var before = await RequestTotalAsync();
        var ex = await RpcAssert.FailsAsync(code, call);
        var info = RpcAssert.ErrorInfo(ex);
        Assert.Equal("uploadsgrpc", info.Domain);
        Assert.Equal(reason, info.Reason);
        Assert.Equal(before, await RequestTotalAsync());
        return (ex, info);
    }

    public Task DisposeAsync()
    {
        Emulator?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
        return Task.CompletedTask;
    }
}
