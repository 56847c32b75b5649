using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using Grpc.Core;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Errors;
using UploadsGrpc.Server.Lifecycle;
using UploadsGrpc.Server.Limits;
using UploadsGrpc.Server.Mapping;
using UploadsGrpc.Server.Protocol;
using UploadsGrpc.Server.Telemetry;
using UploadsGrpc.Server.Upstream;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Uploads.UploadFile;

/// <summary>
/// One UploadFile call: read the metadata, reserve memory, create (or resume) the upload, cut the bytes into parts
/// sent by <see cref="PartUploader"/>, complete with the MD5, and on any failure cancel the upload upstream, unless
/// it is resumable and the stream was only interrupted.
/// </summary>
internal sealed class UploadFileSession(
    OpenAiUploadsClient upstream,
    UnknownEnumReporter unknown,
    StreamMemoryBudget budget,
    PartBufferPool pool,
    SecretRedactor redactor,
    UpstreamCallInfo callInfo,
    IOptions<StreamingOptions> options,
    IOptions<LimitsOptions> limits,
    DrainState drain,
    TimeProvider clock,
    ILogger<UploadFileSession> logger)
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan ShutdownCancelTimeout = TimeSpan.FromMilliseconds(800);

    public async Task RunAsync(IAsyncStreamReader<UploadFileRequest> requests, IServerStreamWriter<UploadFileResponse> responses, ServerCallContext context)
    {
        using var reader = new RequestReader(requests, options.Value.IdleTimeout, clock);
        var fate = new StreamFate();
        try
        {
            await RunCoreAsync(reader, responses, context, fate);
        }
        catch (StreamIdleException idle)
        {
            ServerLog.UploadFileIdle(logger, idle.IdleTimeout.TotalSeconds, fate.Stage, fate.Outcome);
            throw new FacadeException(StatusCode.DeadlineExceeded, FacadeReasons.StreamIdleTimeout,
                $"{idle.Message} {fate.Outcome}.")
            {
                Metadata = [("idle_timeout_seconds", idle.IdleTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)),
                    ("upload_id", fate.UploadId), ("upload_kept", fate.UploadId is null ? null : fate.Kept ? "true" : "false")],
            };
        }
        catch (Exception ex) when (ClientLeft(context, ex))
        {
            // Nobody is there to read the status: one line says what became of the upload, and the status carries
            // details so the error mapper logs nothing more (a client's departure is not a failure of the service).
            ServerLog.UploadFileClientLeft(logger, fate.Stage, fate.Outcome);
            throw ProtocolErrors.Build(StatusCode.Cancelled, FacadeReasons.Cancelled, $"The call was cancelled; {fate.Outcome}.");
        }
    }

    private async Task RunCoreAsync(RequestReader requests, IServerStreamWriter<UploadFileResponse> responses, ServerCallContext context, StreamFate fate)
    {
        // The call's token fires when the client leaves and, for every call, when Shutdown:Timeout passes.
        var call = CallBudget.From(context);
        var plan = budget.Fit(await ReadMetadataAsync(requests, call.Cancellation));
        fate.Stage = "before its upload was created";
        if (plan.Metadata.Resumable && drain.Closing.IsCancellationRequested)
        {
            // Past the drain delay a resumable upload would give way at once: better to create nothing here.
            throw FacadeException.ShuttingDownBeforeStart();
        }
        var reservation = plan.RemainingBytes > 0 ? await budget.ReserveAsync(plan, call.Cancellation) : null;
        if (reservation is not null)
        {
            // The chunks are held by this reservation now; the guard reserves nothing more per chunk.
            context.GetHttpContext().Features.Get<RequestFrames>()?.Cover(budget.ChunkAllowance);
        }
        try
        {
            await UploadAsync(plan, requests, responses, context, call, fate, () =>
            {
                // A stream that ends releases its memory at once, before the clean-up cancel (up to
                // Streaming:CancelTimeout) that may follow: a stalled stream must not hold others out any longer.
                reservation?.Dispose();
                reservation = null;
            });
        }
        finally
        {
            reservation?.Dispose();
        }
    }

    private async Task UploadAsync(
        UploadFilePlan plan, RequestReader requests, IServerStreamWriter<UploadFileResponse> responses, ServerCallContext context,
        CallBudget call, StreamFate fate, Action releaseMemory)
    {
        Upload? created = null;
        string uploadId;
        if (plan.Metadata.Resume is { } resume)
        {
            uploadId = resume.UploadId;
        }
        else
        {
            created = ResourceMapper.MapToUpload(await upstream.CreateUploadAsync(RequestMapper.MapToCreateUploadBody(plan.Metadata), call), unknown);
            uploadId = created.Id;
        }
        fate.UploadId = uploadId;
        fate.Stage = $"during upload {uploadId}";

        var pump = new ResponsePump<UploadFileResponse>(responses, call.Cancellation);
        var gaveWay = false;
        try
        {
            pump.Post(new UploadFileResponse
            {
                Started = new UploadFileStarted { UploadId = uploadId, Upload = created, PartSize = plan.PartSize, ResumeOffset = plan.ResumeOffset },
            });
            List<string> partIds;
            string? md5;
            // A resumable upload gives way when the drain delay ends, but only while bytes are moving: the client
            // resumes on another replica at once. Creating and completing are never cut short by the drain (an
            // aborted complete may have taken effect upstream); a non-resumable upload may use the whole timeout.
            using (var transfer = CancellationTokenSource.CreateLinkedTokenSource(call.Cancellation))
            using (plan.Metadata.Resumable ? drain.Closing.Register(transfer.Cancel) : default)
            {
                try
                {
                    (partIds, md5) = await TransferAsync(plan, uploadId, requests, pump, call with { Cancellation = transfer.Token });
                }
                catch (Exception) when (transfer.IsCancellationRequested && !call.Cancellation.IsCancellationRequested)
                {
                    gaveWay = true;
                    throw;
                }
            }
            var completed = await upstream.CompleteUploadAsync(uploadId, RequestMapper.MapToCompleteUploadBody(partIds, md5), call);
            pump.Post(new UploadFileResponse
            {
                Completed = new UploadFileCompleted { Upload = ResourceMapper.MapToUpload(completed, unknown), Bytes = plan.Metadata.Bytes, Md5 = md5 ?? "" },
            });
            await pump.CompleteAsync();
        }
        catch (Exception ex)
        {
            await pump.AbandonAsync();
            releaseMemory();
            var stopping = gaveWay || drain.Expired.IsCancellationRequested;
            // A client that left, or went quiet, logs one line in RunAsync that says what became of the upload.
            var reported = !stopping && (ex is StreamIdleException || ClientLeft(context, ex));
            var interrupted = stopping || reported || context.CancellationToken.IsCancellationRequested || ex is ClientStreamBrokenException;
            // A malformed message is the client's error, not an interruption: the upload is cancelled, resumable or not.
            var keep = plan.Metadata.Resumable && interrupted;
            if (keep)
            {
                fate.Kept = true;
                if (!reported)
                {
                    ServerLog.UploadKeptPending(logger, uploadId);
                }
            }
            else
            {
                fate.CancelFailed = !await CancelQuietlyAsync(uploadId, logSuccess: !reported);
            }
            if (stopping)
            {
                throw FacadeException.ShuttingDown(uploadId, keep);
            }
            ExceptionDispatchInfo.Throw(ex);
        }
    }

    /// <summary>
    /// The client cancelled or went away: its stream broke off, or the call's token fired for neither the deadline
    /// nor the shutdown timeout (those keep their own statuses, DEADLINE_EXCEEDED and SHUTTING_DOWN).
    /// </summary>
    private bool ClientLeft(ServerCallContext context, Exception ex) =>
        !drain.Expired.IsCancellationRequested
        && (ex is ClientStreamBrokenException
            || (context.CancellationToken.IsCancellationRequested
                && (context.Deadline == DateTime.MaxValue || clock.GetUtcNow().UtcDateTime < context.Deadline)));

    private async Task<UploadFilePlan> ReadMetadataAsync(RequestReader requests, CancellationToken cancellation)
    {
        if (!await requests.MoveNextAsync(cancellation))
        {
            InvalidRequestException.Throw("metadata", "is missing: the stream ended before its first message.");
        }
        if (requests.Current.PayloadCase != UploadFileRequest.PayloadOneofCase.Metadata)
        {
            InvalidRequestException.Throw("metadata", "must be the first message; the stream began with a chunk. Nothing was sent upstream.");
        }
        return UploadFilePlanner.Plan(requests.Current.Metadata, options.Value, limits.Value.MaxFilenameBytes);
    }

    /// <summary>Reads the chunks, cuts and hands over parts, and returns all part ids in file order and the MD5.</summary>
    private async Task<(List<string> PartIds, string? Md5)> TransferAsync(
        UploadFilePlan plan, string uploadId, RequestReader requests, ResponsePump<UploadFileResponse> pump, CallBudget call)
    {
        var bytes = plan.Metadata.Bytes;
        // The server sees every byte only when the stream starts at 0; on resume only a client's MD5 can be checked.
        using var md5 = plan.IsResume ? null : IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var progress = new ProgressReporter(pump, clock, ProgressInterval, plan.ResumeOffset);
        await using var uploader = new PartUploader(upstream, options.Value.PartAttempts - 1, pool, plan, uploadId, call, progress);
        var received = plan.ResumeOffset;
        var partOffset = plan.ResumeOffset;
        // A pooled buffer is of the pool's size class, at least as long as the part it holds.
        byte[]? buffer = null;
        var partLength = 0;
        var filled = 0;
        try
        {
            while (await requests.MoveNextAsync(uploader.Cancellation))
            {
                var message = requests.Current;
                if (message.PayloadCase != UploadFileRequest.PayloadOneofCase.Chunk)
                {
                    InvalidRequestException.Throw("metadata", "was sent again; it must be the first message, and only the first.");
                }
                var chunk = message.Chunk.Memory;
                if (received + chunk.Length > bytes)
                {
                    InvalidRequestException.Throw("bytes", $"is {bytes}, but the stream carried more: {received + chunk.Length} bytes so far.");
                }
                md5?.AppendData(chunk.Span);
                received += chunk.Length;
                // Counted before any of these bytes can start a part, so no progress says more committed than received.
                progress.Received(received);
                while (!chunk.IsEmpty)
                {
                    if (buffer is null)
                    {
                        // A part's buffer is taken only once a slot is free to send it. While all slots are busy the
                        // client's stream is not read, so HTTP/2 flow control holds the client back, and a stream never
                        // holds more than `parallelism` parts: any file of that many parts or more costs the same.
                        await uploader.WaitForSlotAsync();
                        partLength = (int)Math.Min(plan.PartSize, bytes - partOffset);
                        buffer = pool.Rent(partLength);
                    }
                    var take = Math.Min(chunk.Length, partLength - filled);
                    chunk.Span[..take].CopyTo(buffer.AsSpan(filled));
                    filled += take;
                    chunk = chunk[take..];
                    if (filled == partLength)
                    {
                        uploader.Start(buffer, partLength, partOffset);
                        partOffset += partLength;
                        buffer = null;
                        filled = 0;
                    }
                }
            }
            if (received != bytes)
            {
                InvalidRequestException.Throw("bytes", $"is {bytes}, but the stream ended after {received} bytes.");
            }
            var partIds = await uploader.FinishAsync();
            return (plan.Committed.Select(p => p.PartId).Concat(partIds).ToList(), CheckMd5(plan.Metadata, md5));
        }
        catch (Exception) when (uploader.Failure is { } failure)
        {
            // Reading stopped because a part failed for good: that failure, not the cancellation, is the outcome.
            ExceptionDispatchInfo.Throw(failure);
            throw;
        }
        finally
        {
            if (buffer is not null)
            {
                pool.Return(buffer);
            }
        }
    }

    private static string? CheckMd5(UploadFileMetadata metadata, IncrementalHash? md5)
    {
        var expected = metadata.Md5.Length > 0 ? metadata.Md5.ToLowerInvariant() : null;
        if (md5 is null)
        {
            return expected;
        }
        var actual = Convert.ToHexStringLower(md5.GetHashAndReset());
        if (expected is not null && expected != actual)
        {
            InvalidRequestException.Throw("md5", $"is {expected}, but the bytes received have the MD5 {actual}.");
        }
        return actual;
    }

    /// <summary>Cancels the upload upstream; false when that failed (logged as event 7).</summary>
    private async Task<bool> CancelQuietlyAsync(string uploadId, bool logSuccess)
    {
        // The call's own token is spent; the clean-up gets its own deadline. The failure's request id stays the
        // call's trailer, not the cancel's.
        var requestId = callInfo.RequestId;
        // Past the shutdown timeout the process has about a second left: the cancel must go out within it.
        var limit = drain.Expired.IsCancellationRequested ? TimeSpan.FromTicks(Math.Min(options.Value.CancelTimeout.Ticks, ShutdownCancelTimeout.Ticks)) : options.Value.CancelTimeout;
        using var timeout = new CancellationTokenSource(limit, clock);
        try
        {
            // Sent again if need be (a cancel found already cancelled is the end state wanted), within the limit.
            await upstream.CancelUploadAsync(uploadId, CallBudget.Until(clock.GetUtcNow() + limit, timeout.Token), Replay.Safe);
            if (logSuccess)
            {
                ServerLog.UploadCancelledAfterFailure(logger, uploadId);
            }
            return true;
        }
        catch (Exception ex)
        {
            ServerLog.UploadCancelFailed(logger, uploadId, redactor.Redact(ex.Message));
            return false;
        }
        finally
        {
            callInfo.RequestId = requestId;
        }
    }
}
