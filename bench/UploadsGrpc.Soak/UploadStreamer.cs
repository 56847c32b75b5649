using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using UploadsGrpc.V1;

namespace UploadsGrpc.Soak;

/// <summary>
/// One of the run's UploadFile streams: until the stop, one upload after another of a random size, its bytes made
/// from a seed as they are sent (<see cref="FileBytes"/>) and hashed on the way. A completed upload is checked (the
/// server's MD5 against the driver's, the emulator's record of the upload) and its file deleted. With
/// <c>resumable</c> a broken stream is resumed from the parts committed, as the CLI does, and an upload given up is
/// cancelled by the driver; without it the server cancels a failed upload itself. At the stop the stream in flight is
/// cut (its call cancelled).
/// </summary>
internal sealed class UploadStreamer(Tally tally, Calls calls, UploadService.UploadServiceClient uploads, FileService.FileServiceClient files,
    EmulatorAdmin admin, StreamSettings settings)
{
    public const int ChunkBytes = 1024 * 1024;
    private const int MaxAttempts = 6;
    private static readonly TimeSpan StreamDeadline = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan CutWait = TimeSpan.FromSeconds(5);

    /// <summary>What the stream is doing now, for a run that does not end in time to say where it waits.</summary>
    public string Phase { get; private set; } = "not started";

    public async Task RunAsync(int worker, CancellationToken stop)
    {
        var random = new Random((settings.Seed * 1000) + worker);
        var buffer = GC.AllocateUninitializedArray<byte>(ChunkBytes);
        for (var n = 0; n < 100_000 && !stop.IsCancellationRequested; n++)
        {
            var data = new FileBytes((ulong)random.NextInt64(), random.NextInt64(settings.MinBytes, settings.MaxBytes + 1));
            var pause = await UploadAsync($"soak-{worker}-{n}.bin", data, buffer, stop);
            if (pause > TimeSpan.Zero)
            {
                Phase = $"waiting {pause} before the next upload";
                // The server said when to come back (RetryInfo): a new stream before that would only be refused again.
                await Task.Delay(pause < MaxPause ? pause : MaxPause, stop).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>One upload, resumed if need be; returns how long to wait before the next one.</summary>
    private async Task<TimeSpan> UploadAsync(string filename, FileBytes data, byte[] buffer, CancellationToken stop)
    {
        tally.Add("uploads started");
        var state = new UploadState();
        for (var attempt = 0; ; attempt++)
        {
            var metadata = new UploadFileMetadata
            {
                Filename = filename,
                Purpose = FilePurpose.Assistants,
                Bytes = data.Length,
                MimeType = "application/octet-stream",
                Resumable = settings.Resumable,
            };
            if (attempt > 0)
            {
                metadata.Resume = new ResumeFrom { UploadId = state.UploadId };
                metadata.Resume.Parts.Add(state.ContiguousParts());
                metadata.PartSize = state.PartSize;
                // On resume the server does not see the first bytes: the driver's MD5 of the whole file lets the upstream check it.
                Phase = $"hashing {data.Length} bytes for a resume of {state.UploadId}";
                metadata.Md5 = state.Md5 ??= Md5Of(data, buffer);
            }
            tally.Add("call UploadFile");
            try
            {
                var completed = await StreamAsync(metadata, data, buffer, state, stop);
                Phase = $"checking {state.UploadId}";
                await CheckAsync(completed, data, state);
                return TimeSpan.Zero;
            }
            catch (Exception error) when (error is RpcException or IOException or OperationCanceledException && stop.IsCancellationRequested)
            {
                tally.Add("uploads cut");
                calls.Cut("UploadFile");
                await AbandonAsync(state);
                return TimeSpan.Zero;
            }
            catch (Exception error) when (error is RpcException or IOException)
            {
                var rpc = error as RpcException;
                var what = rpc is null ? $"transport {error.GetType().Name}" : Tally.Describe(rpc);
                if (rpc is not null)
                {
                    calls.Failed("UploadFile", rpc);
                }
                else
                {
                    tally.Add("error UploadFile TRANSPORT");
                    tally.Add("status TRANSPORT");
                    tally.Sample($"UploadFile: {error.GetType().Name}: {error.Message}");
                }
                if (settings.Resumable && state.UploadId is not null && attempt + 1 < MaxAttempts && IsBroken(error))
                {
                    tally.Add($"uploads resumed {what}");
                    await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
                    continue;
                }
                tally.Add($"uploads failed {what}");
                await AbandonAsync(state);
                return rpc is null ? TimeSpan.Zero : Tally.RetryDelay(rpc) ?? TimeSpan.Zero;
            }
        }
    }

    private async Task<UploadFileCompleted> StreamAsync(UploadFileMetadata metadata, FileBytes data, byte[] buffer, UploadState state, CancellationToken stop)
    {
        // The stop cuts the stream, but not between the metadata and `started`: an upload created upstream whose id the
        // driver never saw could not be cancelled by it (a resumable one would stay pending). So the cut waits for
        // `started` (or the end of the call), at most CutWait.
        var started = new TaskCompletionSource<UploadFileStarted>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cut = new CancellationTokenSource();
        using var onStop = stop.Register(() =>
        {
            cut.CancelAfter(CutWait);
            started.Task.ContinueWith(_ => CancelQuietly(cut), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        });
        var token = cut.Token;
        using var call = uploads.UploadFile(deadline: DateTime.UtcNow + StreamDeadline, cancellationToken: token);
        Phase = $"sending the metadata ({(metadata.Resume is null ? "new" : "resume " + metadata.Resume.UploadId)}, {data.Length} bytes)";
        await WriteAsync(call.RequestStream, new UploadFileRequest { Metadata = metadata }, token);
        Phase = "waiting for started";
        var reading = ReadAsync(call.ResponseStream, started, state, token);
        // Every wait observes the cut itself, not only through the call, so a stop always ends the stream in time.
        var first = await started.Task.WaitAsync(token);
        using var hash = first.ResumeOffset == 0 && state.Md5 is null ? IncrementalHash.CreateHash(HashAlgorithmName.MD5) : null;
        var offset = first.ResumeOffset;
        try
        {
            while (offset < data.Length && !reading.IsCompleted)
            {
                var length = (int)Math.Min(ChunkBytes, data.Length - offset);
                data.Fill(offset, buffer.AsSpan(0, length));
                hash?.AppendData(buffer, 0, length);
                // The buffer is used again once the write is done: the message is serialized by then.
                Phase = $"writing {state.UploadId} at {offset} of {data.Length}";
                await WriteAsync(call.RequestStream, new UploadFileRequest { Chunk = UnsafeByteOperations.UnsafeWrap(buffer.AsMemory(0, length)) }, token);
                offset += length;
            }
            if (hash is not null && offset == data.Length)
            {
                state.Md5 = Convert.ToHexStringLower(hash.GetHashAndReset());
            }
            Phase = $"half-closing {state.UploadId}";
            await call.RequestStream.CompleteAsync().WaitAsync(token);
        }
        catch (Exception error) when (error is RpcException or IOException or HttpRequestException && !stop.IsCancellationRequested)
        {
            // The call ended while the driver was sending (through a proxy the write may fail with the transport's
            // error, as the server's trailers arrive): how it ended is what the reader holds.
        }
        catch (InvalidOperationException) when (reading.IsCompleted)
        {
            // Completing the request stream of a call that already ended.
        }
        Phase = $"reading the outcome of {state.UploadId}";
        return await reading.WaitAsync(token);
    }

    private static async Task<UploadFileCompleted> ReadAsync(IAsyncStreamReader<UploadFileResponse> responses, TaskCompletionSource<UploadFileStarted> started,
        UploadState state, CancellationToken stop)
    {
        try
        {
            while (await responses.MoveNext(stop))
            {
                var message = responses.Current;
                switch (message.EventCase)
                {
                    case UploadFileResponse.EventOneofCase.Started:
                        state.UploadId = message.Started.UploadId;
                        state.PartSize = message.Started.PartSize;
                        started.TrySetResult(message.Started);
                        break;
                    case UploadFileResponse.EventOneofCase.PartCommitted:
                        state.Parts[message.PartCommitted.Index] = message.PartCommitted;
                        break;
                    case UploadFileResponse.EventOneofCase.Completed:
                        return message.Completed;
                    default:
                        break;
                }
            }
            throw new RpcException(new Status(StatusCode.Internal, "The server ended the stream without a completed event."));
        }
        catch (Exception error)
        {
            started.TrySetException(error);
            throw;
        }
    }

    /// <summary>The right MD5 and size, the emulator's record agrees; then the file is deleted so the disk does not fill.</summary>
    private async Task CheckAsync(UploadFileCompleted completed, FileBytes data, UploadState state)
    {
        var fileId = completed.Upload?.File?.Id;
        var problem = completed.Bytes != data.Length ? $"{completed.Bytes} bytes, sent {data.Length}"
            : !string.Equals(completed.Md5, state.Md5, StringComparison.OrdinalIgnoreCase) ? $"md5 {completed.Md5}, the driver's {state.Md5}"
            : fileId is null ? "no file in the completed upload"
            : await admin.CheckCompletedAsync(state.UploadId!, data.Length, fileId);
        if (problem is null)
        {
            tally.Add("uploads completed_ok");
            tally.Add("uploads completed_bytes", data.Length);
        }
        else
        {
            tally.Add("uploads wrong_md5");
            tally.Sample($"UploadFile {state.UploadId}: completed wrong: {problem}");
        }
        if (fileId is not null && await calls.DeleteFileAsync(files, fileId))
        {
            tally.Add("uploads deleted");
        }
    }

    /// <summary>A resumable upload the driver gives up on stays pending unless the driver cancels it: it does.</summary>
    private async Task AbandonAsync(UploadState state)
    {
        if (settings.Resumable && state.UploadId is not null)
        {
            Phase = $"cancelling {state.UploadId}";
            tally.Add("uploads cancelled_by_driver");
            await calls.CancelUploadAsync(uploads, state.UploadId);
        }
    }

    /// <summary>The stream broke rather than being refused: UNAVAILABLE, or INTERNAL/CANCELLED without the server's details, or the transport's error.</summary>
    private static bool IsBroken(Exception error) => error is IOException
        || (error is RpcException rpc && (rpc.StatusCode == StatusCode.Unavailable
            || (rpc.StatusCode is StatusCode.Internal or StatusCode.Cancelled && rpc.Trailers.Get("grpc-status-details-bin") is null)));

    /// <summary>
    /// Writes one message, but stops waiting when the cut comes. Seen behind haproxy when a draining replica ended the
    /// stream: a write blocked on HTTP/2 flow control that neither the stream's end nor the call's cancellation
    /// ended. Such a write is counted (<c>uploads write_not_ended</c>) when it is still pending 5 s after the cut.
    /// </summary>
    private async Task WriteAsync(IClientStreamWriter<UploadFileRequest> writer, UploadFileRequest message, CancellationToken token)
    {
        var write = writer.WriteAsync(message, token);
        try
        {
            await write.WaitAsync(token);
        }
        catch (OperationCanceledException) when (!write.IsCompleted)
        {
            if (await Task.WhenAny(write, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)) != write)
            {
                tally.Add("uploads write_not_ended");
                tally.Sample($"UploadFile: a write was still pending 5 s after the call was cancelled ({Phase})");
            }
            throw;
        }
    }

    /// <summary>Cancels unless the stream is over and its source gone.</summary>
    private static void CancelQuietly(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static string Md5Of(FileBytes data, byte[] buffer)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        for (long offset = 0; offset < data.Length; offset += buffer.Length)
        {
            var length = (int)Math.Min(buffer.Length, data.Length - offset);
            data.Fill(offset, buffer.AsSpan(0, length));
            hash.AppendData(buffer, 0, length);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
