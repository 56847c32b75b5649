using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Grpc.Net.Client;
using UploadsGrpc.V1;

namespace UploadsGrpc.Tests.Infrastructure;

/// <summary>
/// The built server as its own process (<c>dotnet UploadsGrpc.Server.dll</c>), as a user runs it: for exit
/// codes, start-up messages, and memory that must be the server's alone (read from /proc, not assumed).
/// </summary>
public sealed partial class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private GrpcChannel? _channel;

    private ServerProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public Uri? EmulatorAddress { get; private set; }

    public Uri Address => _listening.Task.Result;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public UploadService.UploadServiceClient Uploads => new(Channel);

    public FileService.FileServiceClient Files => new(Channel);

    public GrpcChannel Channel => _channel ??= GrpcChannel.ForAddress(Address, new GrpcChannelOptions
    {
        MaxSendMessageSize = null,
        MaxReceiveMessageSize = null,
    });

    /// <summary>Starts the server with exactly these variables set (no OPENAI_* inherited from the test run).</summary>
    public static ServerProcess Start(string environment, IReadOnlyDictionary<string, string> variables)
    {
        var directory = AppContext.BaseDirectory;
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(directory, "UploadsGrpc.Server.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("OPENAI_", StringComparison.Ordinal) || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }
        start.Environment["ASPNETCORE_ENVIRONMENT"] = environment;
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in variables)
        {
            start.Environment[key] = value;
        }
        var server = new ServerProcess(Process.Start(start)!);
        server._process.OutputDataReceived += (_, line) => server.Observe(line.Data);
        server._process.ErrorDataReceived += (_, line) => server.Observe(line.Data);
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Waits until the server listens, or fails with its output if it exits first.</summary>
    public async Task<ServerProcess> ReadyAsync()
    {
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(_listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != _listening.Task)
        {
            throw new InvalidOperationException($"The server did not start listening:\n{Output}");
        }
        return this;
    }

    /// <summary>Waits for the process to exit by itself and returns its exit code.</summary>
    public async Task<int> ExitCodeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    /// <summary>Peak resident memory (VmHWM) of the server process, in bytes.</summary>
    public long PeakResidentBytes() => ReadStatusKilobytes("VmHWM") * 1024;

    public long ResidentBytes() => ReadStatusKilobytes("VmRSS") * 1024;

    private long ReadStatusKilobytes(string field)
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").Single(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
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
            _listening.TrySetResult(new Uri(listening.Groups[1].Value));
        }
        if (EmulatorLine().Match(line) is { Success: true } emulator)
        {
            EmulatorAddress = new Uri(emulator.Groups[1].Value);
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"the embedded emulator at (http://\S+/v1/)")]
    private static partial Regex EmulatorLine();

    public void Dispose()
    {
        _channel?.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
    }
}
