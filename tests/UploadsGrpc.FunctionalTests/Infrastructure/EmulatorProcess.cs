using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>
/// The emulator as its own process (<c>dotnet UploadsGrpc.Emulator.dll</c>, from its own build output), so a
/// server pointed at it through OPENAI_BASE_URL measures only its own memory.
/// </summary>
public sealed class EmulatorProcess : IDisposable
{
    private readonly ChildProcess _process;

    private EmulatorProcess(ChildProcess process, string dataDirectory)
    {
        _process = process;
        DataDirectory = dataDirectory;
    }

    public string DataDirectory { get; }

    public Uri Root { get; private set; } = null!;

    public Uri ApiBase => new(Root, "v1");

    public HttpClient Http { get; private set; } = null!;

    public static async Task<EmulatorProcess> StartAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var directory = BuildOutput.Of("UploadsGrpc.Emulator");
        var data = Directory.CreateTempSubdirectory("uploadsgrpc-emulator-").FullName;
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory };
        start.ArgumentList.Add(Path.Combine(directory, "UploadsGrpc.Emulator.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");
        start.Environment["Emulator__DataDirectory"] = data;
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        var emulator = new EmulatorProcess(ChildProcess.Start(start), data);
        emulator.Root = new Uri((await emulator._process.ListeningAsync()).AbsoluteUri.TrimEnd('/') + "/");
        emulator.Http = new HttpClient { BaseAddress = emulator.Root };
        emulator.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk-test-reader");
        return emulator;
    }

    /// <summary>The server's variables for this emulator as its upstream, in Production like a deployment.</summary>
    public Dictionary<string, string> UpstreamVariables() => new()
    {
        ["OPENAI_BASE_URL"] = ApiBase.AbsoluteUri,
        ["OPENAI_API_KEY"] = "sk-test-standalone",
    };

    public async Task<JsonElement> AdminUploadAsync(string id) =>
        JsonDocument.Parse(await Http.GetStringAsync($"_admin/uploads/{id}")).RootElement.Clone();

    /// <summary>How many /v1 requests the emulator has received, to prove a refused call sent nothing upstream.</summary>
    public async Task<long> RequestTotalAsync() =>
        JsonDocument.Parse(await Http.GetStringAsync("_admin/requests")).RootElement.GetProperty("total").GetInt64();

    public async Task<JsonElement> StorageAsync() =>
        JsonDocument.Parse(await Http.GetStringAsync("_admin/storage")).RootElement.Clone();

    public async Task SetFaultsAsync(object plan)
    {
        using var response = await Http.PostAsJsonAsync("_admin/faults", plan);
        response.EnsureSuccessStatusCode();
    }

    public async Task ClearFaultsAsync()
    {
        using var response = await Http.DeleteAsync("_admin/faults");
        response.EnsureSuccessStatusCode();
    }

    public void Dispose()
    {
        Http?.Dispose();
        _process.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
