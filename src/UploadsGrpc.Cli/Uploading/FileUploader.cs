using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using UploadsGrpc.V1;

namespace UploadsGrpc.Cli.Uploading;

/// <summary>
/// Streams a local file through UploadFile. With a resumable upload a broken connection is not the end: the
/// stream is opened again with <c>resume</c> and the parts already committed, and only the rest is sent.
/// </summary>
internal sealed class FileUploader(UploadService.UploadServiceClient client, IUploadProgress progress, string? statePath)
{
    private const int ChunkBytes = 64 * 1024;
    private const int MaxReconnects = 5;

    /// <summary>The upload and its committed parts as the server reported them: what a reconnect resumes from.</summary>
    private ResumeState? _state;

    /// <summary>The upload's id once the server created it, so an interrupted run can cancel it.</summary>
    public string? UploadId { get; private set; }

    public async Task<UploadFileCompleted> UploadAsync(string path, UploadFileMetadata metadata, ResumeState? resume, CancellationToken cancellation)
    {
        var state = resume;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await StreamAsync(path, metadata, state, cancellation);
            }
            catch (RpcException ex) when (metadata.Resumable && UploadId is not null && attempt < MaxReconnects && IsBrokenConnection(ex) && !cancellation.IsCancellationRequested)
            {
                progress.Reconnecting(attempt + 1, ex.Status.Detail);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(10, 1 << attempt)), cancellation);
                state = _state;
            }
            // A load balancer in front resets the client's stream when the replica behind it goes away; the write
            // then fails with the transport's error (HttpProtocolException, an IOException), not a gRPC status.
            catch (IOException ex) when (metadata.Resumable && UploadId is not null && attempt < MaxReconnects && !cancellation.IsCancellationRequested)
            {
                progress.Reconnecting(attempt + 1, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(10, 1 << attempt)), cancellation);
                state = _state;
            }
        }
    }

    private async Task<UploadFileCompleted> StreamAsync(string path, UploadFileMetadata metadata, ResumeState? resume, CancellationToken cancellation)
    {
        var request = metadata.Clone();
        if (resume is not null)
        {
            request.Resume = new ResumeFrom { UploadId = resume.UploadId };
            request.Resume.Parts.Add(resume.Parts.Select(p => new CommittedPart { PartId = p.PartId, Index = p.Index, Offset = p.Offset, Length = p.Length }));
            request.PartSize = resume.PartSize;
            // On resume the server does not see the first bytes: the client's MD5 lets the upstream check the whole file.
            request.Md5 = await Md5Async(path, cancellation);
            UploadId = resume.UploadId;
        }
        _state = resume;

        using var call = client.UploadFile(cancellationToken: cancellation);
        await call.RequestStream.WriteAsync(new UploadFileRequest { Metadata = request }, cancellation);
        var reading = ReadEventsAsync(call.ResponseStream, request, cancellation);
        var started = await reading.Started.Task.WaitAsync(cancellation);

        try
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, ChunkBytes, FileOptions.Asynchronous | FileOptions.SequentialScan);
            file.Seek(started.ResumeOffset, SeekOrigin.Begin);
            var buffer = new byte[ChunkBytes];
            int read;
            while ((read = await file.ReadAsync(buffer, cancellation)) > 0 && !reading.Task.IsCompleted)
            {
                await call.RequestStream.WriteAsync(new UploadFileRequest { Chunk = ByteString.CopyFrom(buffer, 0, read) }, cancellation);
            }
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException) when (!cancellation.IsCancellationRequested)
        {
            // The call ended while we were sending; how it ended is what the reader holds.
        }
        catch (InvalidOperationException) when (reading.Task.IsCompleted)
        {
            // Completing a request stream of a call that already ended.
        }
        return await reading.Task;
    }

    private sealed record EventReader(TaskCompletionSource<UploadFileStarted> Started, Task<UploadFileCompleted> Task);

    private EventReader ReadEventsAsync(IAsyncStreamReader<UploadFileResponse> responses, UploadFileMetadata request, CancellationToken cancellation)
    {
        var started = new TaskCompletionSource<UploadFileStarted>(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task<UploadFileCompleted> ReadAsync()
        {
            try
            {
                while (await responses.MoveNext(cancellation))
                {
                    var message = responses.Current;
                    switch (message.EventCase)
                    {
                        case UploadFileResponse.EventOneofCase.Started:
                            UploadId = message.Started.UploadId;
                            _state ??= new ResumeState { UploadId = UploadId, Bytes = request.Bytes, PartSize = message.Started.PartSize };
                            progress.Started(message.Started);
                            started.TrySetResult(message.Started);
                            break;
                        case UploadFileResponse.EventOneofCase.Progress:
                            progress.Progress(message.Progress);
                            break;
                        case UploadFileResponse.EventOneofCase.PartCommitted:
                            var part = message.PartCommitted;
                            _state!.Parts.Add(new CommittedPartState(part.PartId, part.Index, part.Offset, part.Length));
                            if (statePath is not null && request.Resumable)
                            {
                                _state.Save(statePath);
                            }
                            progress.PartCommitted(part);
                            break;
                        case UploadFileResponse.EventOneofCase.Completed:
                            return message.Completed;
                    }
                }
                throw new RpcException(new Status(StatusCode.Internal, "The server ended the stream without a completed event."));
            }
            catch (Exception ex)
            {
                started.TrySetException(ex);
                throw;
            }
        }
        return new EventReader(started, ReadAsync());
    }

    /// <summary>The stream broke rather than being refused: worth resuming.</summary>
    /// <remarks>
    /// The server attaches a google.rpc.Status to every status it decides on; an INTERNAL or CANCELLED without one
    /// came from the transport (a reset stream), and UNAVAILABLE is a lost connection or a server shutting down.
    /// </remarks>
    private static bool IsBrokenConnection(RpcException ex) =>
        ex.StatusCode == StatusCode.Unavailable
        || (ex.StatusCode is StatusCode.Internal or StatusCode.Cancelled && ex.Trailers.Get("grpc-status-details-bin") is null);

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "The upstream's checksum is MD5: it guards against corruption, not tampering.")]
    private static async Task<string> Md5Async(string path, CancellationToken cancellation)
    {
        await using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(await MD5.HashDataAsync(file, cancellation));
    }
}
