using System.Diagnostics;
using System.Text.RegularExpressions;
using Grpc.Net.Client;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>
/// The built server as its own process (<c>dotnet UploadsGrpc.Server.dll</c>), as a user runs it: for exit
/// codes, start-up messages, and memory that must be the server's alone (read from /proc, not assumed).
/// </summary>
public sealed partial class ServerProcess : IDisposable
{
    private ChildProcess _process = null!;
    private Uri? _address;
    private GrpcChannel? _channel;

    private ServerProcess()
    {
    }

    public int Id => _process.Id;

    public Uri? EmulatorAddress { get; private set; }

    public Uri Address => _address ?? throw new InvalidOperationException("The server is not listening yet: await ReadyAsync() first.");

    public string Output => _process.Output;

    /// <summary>Standard output alone: where the console logger writes, one line an event.</summary>
    public string StandardOutput => _process.StandardOutput;

    public UploadService.UploadServiceClient Uploads => new(Channel);

    public FileService.FileServiceClient Files => new(Channel);

    public GrpcChannel Channel => _channel ??= GrpcChannel.ForAddress(Address, new GrpcChannelOptions
    {
        MaxSendMessageSize = null,
        MaxReceiveMessageSize = null,
    });

    /// <summary>Starts the server with exactly these variables set (no OPENAI_* inherited from the test run), open to any caller unless they set Auth__Mode.</summary>
    public static ServerProcess Start(string environment, IReadOnlyDictionary<string, string> variables)
    {
        var directory = AppContext.BaseDirectory;
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory };
        start.ArgumentList.Add(Path.Combine(directory, "UploadsGrpc.Server.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("OPENAI_", StringComparison.Ordinal) || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }
        start.Environment["ASPNETCORE_ENVIRONMENT"] = environment;
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Health__UpstreamProbeInterval"] = FacadeHost.QuietProbeInterval;
        // Production refuses to start without an auth mode; tests of other things run open, and tests of the rule
        // pass ["Auth__Mode"] = "" (an empty variable counts as unset).
        start.Environment["Auth__Mode"] = "None";
        foreach (var (key, value) in variables)
        {
            start.Environment[key] = value;
        }
        var server = new ServerProcess();
        server._process = ChildProcess.Start(start, server.Observe);
        return server;
    }

    /// <summary>Waits until the server listens, or fails with its output if it exits first.</summary>
    public async Task<ServerProcess> ReadyAsync()
    {
        _address = await _process.ListeningAsync();
        return this;
    }

    /// <summary>Sends a POSIX signal, e.g. "TERM" as Kubernetes and docker stop do.</summary>
    public void Signal(string signal) => _process.Signal(signal);

    /// <summary>Waits for the process to exit by itself and returns its exit code.</summary>
    public Task<int> ExitCodeAsync() => _process.ExitCodeAsync();

    /// <summary>Peak resident memory (VmHWM) of the server process, in bytes.</summary>
    public long PeakResidentBytes() => _process.StatusBytes("VmHWM");

    public long ResidentBytes() => _process.StatusBytes("VmRSS");

    private void Observe(string line)
    {
        if (EmulatorLine().Match(line) is { Success: true } emulator)
        {
            EmulatorAddress = new Uri(emulator.Groups[1].Value);
        }
    }

    [GeneratedRegex(@"the embedded emulator at (http://\S+/v1/)")]
    private static partial Regex EmulatorLine();

    public void Dispose()
    {
        _channel?.Dispose();
        _process.Dispose();
    }
}
