using System.CommandLine;
using Grpc.Core;
using UploadsGrpc.Cli.Output;
using UploadsGrpc.Cli.Uploading;
using UploadsGrpc.V1;

namespace UploadsGrpc.Cli.Commands;

/// <summary><c>upload</c>, <c>resume</c>, <c>cancel</c> and <c>complete</c>.</summary>
internal static class UploadCommands
{
    public static Command Upload()
    {
        var path = new Argument<FileInfo>("path") { Description = "The file to upload." };
        var purpose = new Option<string>("--purpose") { Description = "The file's purpose: batch, fine-tune, assistants, vision, user_data, evals.", Required = true };
        var mimeType = new Option<string?>("--mime-type") { Description = "The MIME type; by default guessed from the extension." };
        var partSize = new Option<int>("--part-size-mib") { Description = "Part size in MiB, 1 to 64 (default: the server's, 64)." };
        var parallelism = new Option<int>("--parallelism") { Description = "Parts in flight at once, 1 to 16 (default: the server's, 4)." };
        var resumable = new Option<bool>("--resumable") { Description = "Keep the upload after a broken connection and resume it (also later, with `resume`)." };
        var state = new Option<string?>("--state") { Description = "Where a resumable upload keeps its state (default: PATH.uploadsgrpc.json)." };
        var command = new Command("upload", "Upload a file in one call: parts in parallel, MD5 checked, nothing left behind on failure.")
        {
            path, purpose, mimeType, partSize, parallelism, resumable, state,
        };
        command.SetAction((parse, cancellation) =>
        {
            var file = parse.GetValue(path)!;
            var metadata = new UploadFileMetadata
            {
                Filename = file.Name,
                PurposeValue = parse.GetValue(purpose)!,
                Bytes = file.Exists ? file.Length : 0,
                MimeType = parse.GetValue(mimeType) ?? MimeTypes.Guess(file.Name),
                PartSize = parse.GetValue(partSize) * 1024 * 1024,
                Parallelism = parse.GetValue(parallelism),
                Resumable = parse.GetValue(resumable),
            };
            return RunUploadAsync(parse, file, metadata, resume: null, parse.GetValue(state) ?? ResumeState.DefaultPathFor(file.FullName), cancellation);
        });
        return command;
    }

    public static Command Resume()
    {
        var path = new Argument<FileInfo>("path") { Description = "The file whose resumable upload to continue." };
        var state = new Option<string?>("--state") { Description = "The state file the upload left (default: PATH.uploadsgrpc.json)." };
        var command = new Command("resume", "Continue a resumable upload that was interrupted, sending only the bytes not yet committed.") { path, state };
        command.SetAction((parse, cancellation) =>
        {
            var file = parse.GetValue(path)!;
            var statePath = parse.GetValue(state) ?? ResumeState.DefaultPathFor(file.FullName);
            if (!File.Exists(statePath))
            {
                Console.Error.WriteLine($"No resume state at {statePath}: nothing to resume.");
                return Task.FromResult(ExitCodes.Usage);
            }
            var saved = ResumeState.Load(statePath);
            var metadata = new UploadFileMetadata { Bytes = file.Length, Resumable = true };
            return RunUploadAsync(parse, file, metadata, saved, statePath, cancellation);
        });
        return command;
    }

    public static Command Cancel()
    {
        var id = new Argument<string>("upload-id") { Description = "The upload to cancel." };
        var command = new Command("cancel", "Cancel an upload; its parts are discarded.") { id };
        command.SetAction(async (parse, cancellation) =>
        {
            using var channel = Connection.Open(parse);
            var upload = (await Connection.Uploads(channel).CancelUploadAsync(new CancelUploadRequest { UploadId = parse.GetValue(id)! }, cancellationToken: cancellation)).Upload;
            Console.Out.WriteLine($"{upload.Id} {upload.StatusValue}");
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command Complete()
    {
        var id = new Argument<string>("upload-id") { Description = "The upload to complete." };
        var parts = new Option<string[]>("--parts") { Description = "The part ids in file order.", Required = true, AllowMultipleArgumentsPerToken = true };
        var md5 = new Option<string?>("--md5") { Description = "The file's MD5 as 32 hex digits, checked by the upstream." };
        var command = new Command("complete", "Complete an upload from parts added earlier.") { id, parts, md5 };
        command.SetAction(async (parse, cancellation) =>
        {
            using var channel = Connection.Open(parse);
            var request = new CompleteUploadRequest { UploadId = parse.GetValue(id)!, Md5 = parse.GetValue(md5) ?? "" };
            request.PartIds.Add(parse.GetValue(parts)!);
            var upload = (await Connection.Uploads(channel).CompleteUploadAsync(request, cancellationToken: cancellation)).Upload;
            Console.Out.WriteLine(upload.File.Id);
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<int> RunUploadAsync(ParseResult parse, FileInfo file, UploadFileMetadata metadata, ResumeState? resume, string statePath, CancellationToken cancellation)
    {
        if (!file.Exists)
        {
            Console.Error.WriteLine($"{file.FullName} does not exist.");
            return ExitCodes.Usage;
        }
        using var channel = Connection.Open(parse);
        var uploads = Connection.Uploads(channel);
        FileUploader? uploader = null;
        // Ctrl-C means the user gives the upload up. The upload is cancelled explicitly first and the stream torn
        // down after, so the outcome is the CLI's own CancelUpload (a resumable upload would otherwise stay pending).
        using var abort = new CancellationTokenSource();
        var interrupted = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task CancelThenAbortAsync()
        {
            var outcome = "interrupted before the upload was created";
            if (uploader?.UploadId is { } uploadId)
            {
                using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                try
                {
                    await uploads.CancelUploadAsync(new CancelUploadRequest { UploadId = uploadId }, cancellationToken: cleanup.Token);
                    outcome = $"interrupted: upload {uploadId} cancelled upstream";
                }
                catch (RpcException cancelFailure)
                {
                    outcome = $"interrupted: cancelling upload {uploadId} failed: {cancelFailure.Status.Detail}";
                }
            }
            await abort.CancelAsync();
            interrupted.TrySetResult(outcome);
        }
        using var onInterrupt = cancellation.Register(() => _ = CancelThenAbortAsync());
        try
        {
            var completed = await Terminal.ProgressAsync($"{file.Name}", metadata.Bytes, progress =>
            {
                uploader = new FileUploader(uploads, progress, statePath);
                return uploader.UploadAsync(file.FullName, metadata, resume, abort.Token);
            });
            File.Delete(statePath);
            Console.Error.WriteLine($"completed {completed.Upload.Id}: {completed.Bytes} bytes, md5 {(completed.Md5.Length > 0 ? completed.Md5 : "not known")}");
            Console.Out.WriteLine(completed.Upload.File.Id);
            return ExitCodes.Success;
        }
        catch (Exception ex) when (cancellation.IsCancellationRequested && ex is OperationCanceledException or RpcException)
        {
            Console.Error.WriteLine(await interrupted.Task);
            File.Delete(statePath);
            return ExitCodes.Interrupted;
        }
        catch (RpcException) when (metadata.Resumable && uploader?.UploadId is { } uploadId && File.Exists(statePath))
        {
            Console.Error.WriteLine($"upload {uploadId} is kept: continue it with `uploadsgrpc resume {file.FullName}`, or give it up with `uploadsgrpc cancel {uploadId}`");
            throw;
        }
    }
}
