using UploadsGrpc.Cli.Uploading;

namespace UploadsGrpc.Cli.Output;

/// <summary>Live drawing only when both outputs are a terminal; plain lines for pipes, files and CI logs.</summary>
internal static class Terminal
{
    public static bool IsInteractive => !Console.IsOutputRedirected && !Console.IsErrorRedirected;

    public static Task<T> ProgressAsync<T>(string title, long bytes, Func<IUploadProgress, Task<T>> work) =>
        IsInteractive ? LiveProgress.RunAsync(title, bytes, work) : work(new PlainProgress(Console.Error, bytes));
}
