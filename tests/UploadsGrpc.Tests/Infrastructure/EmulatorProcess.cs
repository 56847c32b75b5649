using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace UploadsGrpc.Tests.Infrastructure;

/// <summary>
/// The emulator as its own process (<c>dotnet UploadsGrpc.Emulator.dll</c>, from its own build output), so a
/// server pointed at it through OPENAI_BASE_URL measures only its own memory.
/// </summary>
public sealed partial class EmulatorProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private EmulatorProcess(Process process, string dataDirectory)
    {
        _process = process;
        DataDirectory = dataDirectory;
    }

    public string DataDirectory { get; }

    public Uri Root => _listening.Task.Result;

    public Uri ApiBase => new(Root, "v1");

    public HttpClient Http { get; private set; } = null!;

    public static async Task<EmulatorProcess> StartAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var directory = BuildOutput.Of("UploadsGrpc.Emulator");
        var data = Directory.CreateTempSubdirectory("uploadsgrpc-emulator-").FullName;
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(directory, "UploadsGrpc.Emulator.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");
        start.Environment["Emulator__DataDirectory"] = data;
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        var emulator = new EmulatorProcess(Process.Start(start)!, data);
        emulator._process.OutputDataReceived += (_, line) => emulator.Observe(line.Data);
        emulator._process.ErrorDataReceived += (_, line) => emulator.Observe(line.Data);
        emulator._process.BeginOutputReadLine();
        emulator._process.BeginErrorReadLine();
        var first = await Task.WhenAny(emulator._listening.Task, emulator._process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != emulator._listening.Task)
        {
            throw new InvalidOperationException($"The emulator did not start listening:\n{emulator._output}");
        }
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

    private void Observe(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
        if (ListeningLine().Match(line) is { Success: true } listening)
        {
            _listening.TrySetResult(new Uri(listening.Groups[1].Value + "/"));
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();

    public void Dispose()
    {
        Http?.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
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
