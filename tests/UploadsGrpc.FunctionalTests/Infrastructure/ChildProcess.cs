using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>
/// A program of the solution in its own process, with stdout and stderr captured line by line: the one place
/// that starts, watches and kills the server, the emulator and the CLI in tests.
/// </summary>
public sealed partial class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _standardOutput = new();
    private readonly StringBuilder _standardError = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<string>? _onLine;

    private ChildProcess(ProcessStartInfo start, Action<string>? onLine)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        _onLine = onLine;
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, line) => Observe(_standardOutput, line.Data);
        _process.ErrorDataReceived += (_, line) => Observe(_standardError, line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Starts <paramref name="start"/>; <paramref name="onLine"/> sees every line of either stream.</summary>
    public static ChildProcess Start(ProcessStartInfo start, Action<string>? onLine = null) => new(start, onLine);

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Both streams, interleaved as the lines arrived.</summary>
    public string Output => Read(_output);

    public string StandardOutput => Read(_standardOutput);

    public string StandardError => Read(_standardError);

    /// <summary>Waits for ASP.NET Core's "Now listening on" line, or fails with the output if the process exits first.</summary>
    public async Task<Uri> ListeningAsync()
    {
        var first = await Task.WhenAny(_listening.Task, _process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != _listening.Task)
        {
            throw new InvalidOperationException($"{_process.StartInfo.ArgumentList.FirstOrDefault()} did not start listening:\n{Output}");
        }
        return await _listening.Task;
    }

    /// <summary>Waits for the process to exit by itself and returns its exit code.</summary>
    public async Task<int> ExitCodeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    /// <summary>Sends a POSIX signal, e.g. "INT" as Ctrl-C does.</summary>
    public void Signal(string signal) =>
        Process.Start("kill", ["-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();

    /// <summary>A field of /proc/PID/status in bytes, e.g. VmHWM (peak resident memory).</summary>
    public long StatusBytes(string field)
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").Single(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    private void Observe(StringBuilder stream, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
            stream.AppendLine(line);
        }
        if (ListeningLine().Match(line) is { Success: true } listening)
        {
            _listening.TrySetResult(new Uri(listening.Groups[1].Value));
        }
        _onLine?.Invoke(line);
    }

    private string Read(StringBuilder builder)
    {
        lock (_output)
        {
            return builder.ToString();
        }
    }

    [GeneratedRegex(@"Now listening on: (https?://[^\s\x22]+)")]
    private static partial Regex ListeningLine();

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
