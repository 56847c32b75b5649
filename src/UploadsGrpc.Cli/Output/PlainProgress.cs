using System.Globalization;
using UploadsGrpc.Cli.Uploading;
using UploadsGrpc.V1;

namespace UploadsGrpc.Cli.Output;

/// <summary>Progress as plain lines on stderr, for logs and scripts: one when the upload starts and one per part.</summary>
internal sealed class PlainProgress(TextWriter error, long bytes) : IUploadProgress
{
    public void Started(UploadFileStarted started) =>
        error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"upload_id: {started.UploadId} (parts of {started.PartSize} bytes, from offset {started.ResumeOffset} of {bytes})"));

    public void Progress(UploadProgress progress)
    {
    }

    public void PartCommitted(CommittedPart part) =>
        error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"part {part.Index} committed: {part.PartId}, bytes {part.Offset}-{part.Offset + part.Length - 1} of {bytes}"));

    public void Reconnecting(int attempt, string reason) =>
        error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stream broke ({reason}); resuming, attempt {attempt}"));
}
