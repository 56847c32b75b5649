using System.Net.Http.Headers;
using System.Text.Json;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>
/// The server as a user first runs it: its own process, Development, no key, so it hosts the emulator on
/// a loopback port. The emulator's REST and admin routes are reached directly to check what the façade did.
/// </summary>
public sealed class EmbeddedEmulatorServer : IAsyncLifetime
{
    public ServerProcess Server { get; private set; } = null!;

    public HttpClient Emulator { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await ServerProcess.Start("Development", new Dictionary<string, string>()).ReadyAsync();
        var root = new Uri(Server.EmulatorAddress ?? throw new InvalidOperationException($"No emulator line in:\n{Server.Output}"), "..");
        Emulator = new HttpClient { BaseAddress = root };
        Emulator.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk-test-reader");
    }

    public async Task<JsonElement> AdminUploadAsync(string id) =>
        JsonDocument.Parse(await Emulator.GetStringAsync($"_admin/uploads/{id}")).RootElement.Clone();

    public Task DisposeAsync()
    {
        Emulator.Dispose();
        Server.Dispose();
        return Task.CompletedTask;
    }
}
