using Spectre.Console;
using UploadsGrpc.Cli.Uploading;
using UploadsGrpc.V1;

namespace UploadsGrpc.Cli.Output;

/// <summary>A live bar on the terminal: bytes committed, rate, time left and parts, drawn by Spectre.Console on stderr.</summary>
internal sealed class LiveProgress(ProgressTask bar, long bytes) : IUploadProgress
{
    private int _parts;
    private int _totalParts;

    public static async Task<T> RunAsync<T>(string title, long bytes, Func<IUploadProgress, Task<T>> work)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context => await work(new LiveProgress(context.AddTask(Markup.Escape(title), maxValue: bytes), bytes)));
    }

    public void Started(UploadFileStarted started)
    {
        _totalParts = (int)((bytes + started.PartSize - 1) / started.PartSize);
        _parts = (int)(started.ResumeOffset / Math.Max(1, started.PartSize));
        bar.Value = started.ResumeOffset;
        Describe();
    }

    public void Progress(UploadProgress progress) => bar.Value = progress.BytesCommitted;

    public void PartCommitted(CommittedPart part)
    {
        Interlocked.Increment(ref _parts);
        Describe();
    }

    public void Reconnecting(int attempt, string reason) =>
        bar.Description = Markup.Escape($"reconnecting ({attempt}): {reason}");

    private void Describe() => bar.Description = $"parts {_parts}/{_totalParts}";
}
