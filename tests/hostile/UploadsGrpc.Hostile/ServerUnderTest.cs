using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace UploadsGrpc.Hostile;

/// <summary>One line the server wrote, when, and its level and category when it is a JSON log line.</summary>
internal sealed record LogLine(TimeSpan At, string Text, string Level, string Category, bool HasStackTrace);

/// <summary>
/// The built server (dotnet UploadsGrpc.Server.dll) as a process on 127.0.0.1, with the secret key, the hostile upstream,
/// small bounds, and JSON console logs captured line by line.
/// </summary>
internal sealed partial class ServerUnderTest : IDisposable
{
    private readonly Process _process;
    private readonly List<LogLine> _lines = [];
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Stopwatch _clock;

    private ServerUnderTest(Process process, Stopwatch clock)
    {
        _process = process;
        _clock = clock;
    }

    public string Name { get; private init; } = "";

    public Uri Address { get; private set; } = null!;

    public bool HasExited => _process.HasExited;

    public static async Task<ServerUnderTest> StartAsync(string name, string serverDll, Uri upstream, IReadOnlyDictionary<string, string> settings, Stopwatch clock)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(serverDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(serverDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("OPENAI_", StringComparison.Ordinal) || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)
            || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal) || k.StartsWith("Streaming__", StringComparison.Ordinal) || k.StartsWith("Upstream__", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["OPENAI_API_KEY"] = Secret.Key;
        start.Environment["OPENAI_BASE_URL"] = upstream.ToString();
        start.Environment["Auth__Mode"] = "None";
        start.Environment["Logging__Console__FormatterName"] = "json";
        start.Environment["Logging__Console__FormatterOptions__IncludeScopes"] = "true";
        start.Environment["Logging__LogLevel__UploadsGrpc"] = "Debug";
        start.Environment["Health__UpstreamProbeInterval"] = "01:00:00";
        start.Environment["Shutdown__DrainDelay"] = "00:00:00";
        start.Environment["Shutdown__Timeout"] = "00:00:02";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }
        var server = new ServerUnderTest(Process.Start(start)!, clock) { Name = name };
        server._process.OutputDataReceived += (_, e) => server.Observe(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.Observe(e.Data);
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        var first = await Task.WhenAny(server._listening.Task, server._process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != server._listening.Task)
        {
            throw new InvalidOperationException($"The server ({name}) did not start listening:\n{string.Join('\n', server.Lines.Select(l => l.Text))}");
        }
        server.Address = await server._listening.Task;
        return server;
    }

    public IReadOnlyList<LogLine> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public IReadOnlyList<LogLine> LinesBetween(TimeSpan from, TimeSpan to) => [.. Lines.Where(l => l.At >= from && l.At <= to)];

    private void Observe(string? text)
    {
        if (text is null)
        {
            return;
        }
        var level = "";
        var category = "";
        var stack = text.Contains("\\n   at ", StringComparison.Ordinal) || text.Contains("\n   at ", StringComparison.Ordinal) || text.StartsWith("   at ", StringComparison.Ordinal);
        if (text.StartsWith('{'))
        {
            try
            {
                using var json = JsonDocument.Parse(text);
                level = json.RootElement.TryGetProperty("LogLevel", out var l) ? l.GetString() ?? "" : "";
                category = json.RootElement.TryGetProperty("Category", out var c) ? c.GetString() ?? "" : "";
                if (json.RootElement.TryGetProperty("Message", out var message) && ListeningLine().Match(message.GetString() ?? "") is { Success: true } listening)
                {
                    _listening.TrySetResult(new Uri(listening.Groups[1].Value));
                }
            }
            catch (JsonException)
            {
            }
        }
        else if (ListeningLine().Match(text) is { Success: true } plain)
        {
            _listening.TrySetResult(new Uri(plain.Groups[1].Value));
        }
        lock (_lines)
        {
            _lines.Add(new LogLine(_clock.Elapsed, text, level, category, stack));
        }
    }

    [GeneratedRegex(@"Now listening on: (https?://[^\s\x22]+)")]
    private static partial Regex ListeningLine();

    /// <summary>grpc.health.v1.Health/Check for the whole server on a fresh raw call: true when it answers SERVING.</summary>
    public async Task<string?> HealthProblemAsync()
    {
        if (_process.HasExited)
        {
            return $"the server process exited (code {_process.ExitCode})";
        }
        var outcome = await RawGrpc.SendAsync(Address, "/grpc.health.v1.Health/Check", RawGrpc.Frame([]), bound: TimeSpan.FromSeconds(5), client: RawGrpc.HealthHttp);
        var body = outcome.Response as byte[] ?? [];
        return outcome.Code == 0 && body.Length >= 7 && body[5] == 0x08 && body[6] == 0x01 ? null : "health check after the case: " + outcome.Summary();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
    }
}
