using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Telemetry;
using UploadsGrpc.Server.Upstream.Json;

namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// The upstream REST API, one method an operation. A typed client from IHttpClientFactory: it is created per
/// gRPC call, so it may record that call's <c>x-request-id</c> in the scoped <see cref="UpstreamCallInfo"/>.
/// </summary>
internal sealed class OpenAiUploadsClient(
    HttpClient http,
    UpstreamCallInfo callInfo,
    IOptions<UpstreamOptions> options,
    TimeProvider clock,
    UpstreamReachability? reachability = null,
    UpstreamIdentity? identity = null,
    UpstreamResilience? resilience = null,
    UploadsGrpcMetrics? metrics = null)
{
    /// <summary>The IHttpClientFactory name of the upstream client.</summary>
    public const string HttpClientName = "openai-upstream";

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json") { CharSet = "utf-8" };

    public Task<UploadJson> CreateUploadAsync(CreateUploadBody body, CallBudget budget) =>
        SendAsync(UpstreamRoute.CreateUpload, Once, "uploads", () => Json(body, UpstreamJsonContext.Default.CreateUploadBody),
            UpstreamJsonContext.Default.UploadJson, budget);

    /// <summary>A part is always safe to send again: only the part ids listed at complete count.</summary>
    /// <param name="maxRetries">Retries after the first attempt; null for Upstream:MaxRetries (UploadFile passes its own).</param>
    public Task<UploadPartJson> AddUploadPartAsync(string uploadId, ReadOnlyMemory<byte> data, CallBudget budget, int? maxRetries = null) =>
        SendAsync(UpstreamRoute.AddUploadPart, Safe with { MaxRetries = maxRetries ?? Safe.MaxRetries },
            $"uploads/{PathSegment.Encode(uploadId)}/parts", () => Multipart.ForPart(data), UpstreamJsonContext.Default.UploadPartJson, budget,
            // Counted once the upstream took the part, whatever attempt it took.
            _ => metrics?.PartUploaded(data.Length));

    public Task<UploadJson> CompleteUploadAsync(string uploadId, CompleteUploadBody body, CallBudget budget) =>
        SendAsync(UpstreamRoute.CompleteUpload, Once, $"uploads/{PathSegment.Encode(uploadId)}/complete",
            () => Json(body, UpstreamJsonContext.Default.CompleteUploadBody), UpstreamJsonContext.Default.UploadJson, budget);

    /// <param name="replay">
    /// <see cref="Replay.AtMostOnce"/> for a caller's CancelUpload, whose replay after it took effect would answer
    /// "already cancelled"; <see cref="Replay.Safe"/> for the clean-up of a failed upload, where only the end state
    /// counts: retried until its budget ends, waiting for an open circuit too.
    /// </param>
    public Task<UploadJson> CancelUploadAsync(string uploadId, CallBudget budget, Replay replay = Replay.AtMostOnce) =>
        SendAsync(UpstreamRoute.CancelUpload, replay == Replay.Safe ? CleanUp : Once, $"uploads/{PathSegment.Encode(uploadId)}/cancel", NoContent,
            UpstreamJsonContext.Default.UploadJson, budget);

    public Task<FileJson> GetFileAsync(string fileId, CallBudget budget) =>
        SendAsync(UpstreamRoute.GetFile, Safe, $"files/{PathSegment.Encode(fileId)}", NoContent, UpstreamJsonContext.Default.FileJson, budget);

    /// <param name="maxRetries">Retries after the first attempt; null for Upstream:MaxRetries (the health probe passes 0).</param>
    public Task<FileListJson> ListFilesAsync(FileListQuery query, CallBudget budget, int? maxRetries = null) =>
        SendAsync(UpstreamRoute.ListFiles, Safe with { MaxRetries = maxRetries ?? Safe.MaxRetries }, query.ToPathAndQuery(), NoContent,
            UpstreamJsonContext.Default.FileListJson, budget);

    public Task<FileDeletedJson> DeleteFileAsync(string fileId, CallBudget budget) =>
        SendAsync(UpstreamRoute.DeleteFile, Safe, $"files/{PathSegment.Encode(fileId)}", NoContent, UpstreamJsonContext.Default.FileDeletedJson, budget);

    /// <summary>
    /// POST /files: the form fields and the file's bytes, which may stream from the caller. Sent again only when
    /// the upstream cannot have taken it and nothing of a streamed body was read (<paramref name="fileUnread"/>).
    /// </summary>
    public Task<FileJson> CreateFileAsync(CreateFileForm fields, HttpContent file, CallBudget budget, Func<bool>? fileUnread = null) =>
        SendAsync(UpstreamRoute.CreateFile, Once with { CanResend = fileUnread ?? (static () => false) }, "files",
            () => Multipart.ForFile(fields, new BorrowedContent(file)), UpstreamJsonContext.Default.FileJson, budget);

    /// <summary>
    /// GET /files/{id}/content, asking for the bytes from <paramref name="offset"/> on with a Range header. The
    /// caller owns the response and must check whether it is a 206 for that range or the whole file (200), and
    /// reads its body through <see cref="OpenBodyAsync"/>. Only the response headers are bounded by
    /// Upstream:RequestTimeout, and retried: a large body may take longer, as long as it does not stall.
    /// </summary>
    public Task<HttpResponseMessage> OpenFileContentAsync(string fileId, long offset, CallBudget budget) =>
        RunAsync(UpstreamRoute.DownloadFile, Safe, budget, (resendCount, token) =>
        {
            var request = new HttpRequestMessage(UpstreamRoute.DownloadFile.Method, $"files/{PathSegment.Encode(fileId)}/content");
            new UpstreamAttempt(UpstreamRoute.DownloadFile, resendCount).MarkOn(request);
            if (offset > 0)
            {
                request.Headers.Range = new RangeHeaderValue(offset, null);
            }
            return SendCheckedAsync(request, budget, static (response, _) => Task.FromResult(response), disposeResponse: false, token);
        });

    /// <summary>A response's body, each read bounded by Upstream:BodyIdleTimeout (<see cref="UpstreamTimeoutException"/>).</summary>
    public async Task<Stream> OpenBodyAsync(HttpResponseMessage response, CancellationToken token) =>
        new UpstreamBodyStream(await response.Content.ReadAsStreamAsync(token), options.Value.BodyIdleTimeout, clock);

    private RetryShape Safe => new(Replay.Safe, options.Value.MaxRetries);

    private RetryShape Once => new(Replay.AtMostOnce, options.Value.MaxRetries);

    /// <summary>
    /// The cancel of a failed upload: sent again as often as its budget (Streaming:CancelTimeout) allows, and through
    /// an open circuit once it lets a probe through, so the upload is not left pending upstream.
    /// </summary>
    private static RetryShape CleanUp => new(Replay.Safe, MaxRetries: 10, WaitsForCircuit: true);

    private static HttpContent? NoContent() => null;

    private async Task<T> SendAsync<T>(UpstreamRoute route, RetryShape shape, string path, Func<HttpContent?> content, JsonTypeInfo<T> type,
        CallBudget budget, Action<T>? succeeded = null)
        where T : class
    {
        var result = await RunAsync(route, shape, budget, async (resendCount, token) =>
        {
            // A request and its body are built for each attempt: a sent HttpRequestMessage cannot be sent again.
            using var request = new HttpRequestMessage(route.Method, path) { Content = content() };
            new UpstreamAttempt(route, resendCount).MarkOn(request);
            return await SendCheckedAsync(request, budget, (response, t) => ReadJsonAsync(response, type, t), disposeResponse: true, token);
        });
        succeeded?.Invoke(result);
        return result;
    }

    /// <summary>Runs <paramref name="attempt"/> through the retries, telling each attempt how many were sent before it.</summary>
    private Task<T> RunAsync<T>(UpstreamRoute route, RetryShape shape, CallBudget budget, Func<int, CancellationToken, Task<T>> attempt)
    {
        var sent = 0;
        Task<T> Next(CancellationToken token) => attempt(sent++, token);
        return resilience is null ? Next(budget.Cancellation) : resilience.ExecuteAsync(route, shape, budget, Next);
    }

    /// <summary>One attempt: sends <paramref name="request"/> and reads its answer, bounded by <paramref name="cancellation"/>.</summary>
    private async Task<T> SendCheckedAsync<T>(HttpRequestMessage request, CallBudget budget,
        Func<HttpResponseMessage, CancellationToken, Task<T>> read, bool disposeResponse, CancellationToken cancellation)
    {
        var timeout = options.Value.RequestTimeout;
        // The caller's deadline bounds the call; RequestTimeout only stands in for a deadline nobody set.
        using var timeoutSource = budget.HasDeadline ? null : new CancellationTokenSource(timeout, clock);
        using var linked = timeoutSource is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellation, timeoutSource.Token);
        var token = linked?.Token ?? cancellation;
        if (timeoutSource is not null)
        {
            request.Options.Set(UpstreamAttempt.TimeoutKey, timeoutSource.Token);
        }
        HttpResponseMessage? response = null;
        try
        {
            response = await SendObservedAsync(request, token);
            // Checked here, once: from now on it is a trailer, ErrorInfo metadata and a log field.
            // Checked against the service's key and the caller's own, whichever this request carried.
            var requestId = UpstreamRequestId.Accept(UpstreamRequestId.Accept(
                response.Headers.TryGetValues("x-request-id", out var ids) ? ids.FirstOrDefault() : null, options.Value.ApiKey), identity?.ApiKey);
            callInfo.RequestId = requestId;
            if (!response.IsSuccessStatusCode)
            {
                if ((int)response.StatusCode < 400)
                {
                    // A 3xx (or a stray 1xx): the handler has AllowAutoRedirect off, so a redirect is never followed to
                    // a host that would get the key; and it is not the answer the operation promises.
                    throw new UpstreamProtocolException(
                        $"The upstream answered HTTP {(int)response.StatusCode}, which is not an answer to this request; redirects are not followed.",
                        response.StatusCode, requestId);
                }
                throw new UpstreamException(response.StatusCode, await ReadErrorAsync(response, token), requestId,
                    RetryAfter.Read(response.Headers, clock), ShouldRetry(response.Headers));
            }
            var result = await read(response, token);
            if (!disposeResponse)
            {
                response = null;
            }
            return result;
        }
        catch (OperationCanceledException) when (timeoutSource is { IsCancellationRequested: true } && !cancellation.IsCancellationRequested)
        {
            throw new UpstreamTimeoutException(timeout);
        }
        finally
        {
            response?.Dispose();
        }
    }

    /// <summary>The upstream's <c>x-should-retry</c>: exactly <c>true</c> or <c>false</c>, as the SDKs read it; anything else is absent.</summary>
    private static bool? ShouldRetry(HttpResponseHeaders headers) =>
        headers.TryGetValues("x-should-retry", out var values) ? values.FirstOrDefault() switch
        {
            "true" => true,
            "false" => false,
            _ => null,
        } : null;

    /// <summary>Sends, and tells <see cref="UpstreamReachability"/> what the request found, so health needs no probe while calls flow.</summary>
    private async Task<HttpResponseMessage> SendObservedAsync(HttpRequestMessage request, CancellationToken token)
    {
        identity?.ApplyTo(request);
        try
        {
            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
            reachability?.Answered(response.StatusCode);
            return response;
        }
        catch (HttpRequestException failure) when (!token.IsCancellationRequested)
        {
            // A failure of the caller's own request body (a chunk refused by validation or a guard, our own
            // exceptions) says nothing about the upstream.
            if (!RetryRules.IsCallersOwn(failure))
            {
                reachability?.Failed(failure.HttpRequestError);
            }
            throw;
        }
    }

    private async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, CancellationToken token)
        where T : class
    {
        var status = response.StatusCode;
        var what = type.Type.Name[..^4];
        var max = options.Value.MaxJsonResponseBytes;
        if (response.Content.Headers.ContentLength > max)
        {
            throw new UpstreamProtocolException(
                $"The upstream answered HTTP {(int)status} with a body of {response.Content.Headers.ContentLength} bytes, more than the {max} a {what} object may take (Upstream:MaxJsonResponseBytes).",
                status, callInfo.RequestId);
        }
        T? result;
        // One byte more than a known length, so that the read that finds the end needs no larger buffer.
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp((response.Content.Headers.ContentLength ?? 0) + 1, 4096, Math.Min(max + 1, Array.MaxLength)));
        try
        {
            // Read whole (at most Upstream:MaxJsonResponseBytes), so that the body is checked as UTF-8 everywhere,
            // also in values the serializer skips: none of it is passed on unless all of it is what it should be.
            var length = 0;
            await using (var stream = new UpstreamBodyStream(await response.Content.ReadAsStreamAsync(token), options.Value.BodyIdleTimeout, clock, max))
            {
                int read;
                while ((read = await stream.ReadAsync(buffer.AsMemory(length), token)) > 0)
                {
                    length += read;
                    if (length == buffer.Length)
                    {
                        // Grown in place of this method's one buffer, so the finally returns exactly what is rented.
                        var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(2L * buffer.Length, Array.MaxLength));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        (buffer, larger) = (larger, buffer);
                        ArrayPool<byte>.Shared.Return(larger);
                    }
                }
            }
            var json = buffer.AsSpan(0, length);
            if (json.StartsWith(Utf8Bom))
            {
                json = json[Utf8Bom.Length..];
            }
            if (!Utf8.IsValid(json))
            {
                throw new UpstreamProtocolException(
                    $"The upstream answered HTTP {(int)status} with a body that is not UTF-8, so not a valid {what} object.", status, callInfo.RequestId);
            }
            result = JsonSerializer.Deserialize(json, type);
        }
        catch (JsonException ex)
        {
            // The path and position say what was wrong; the body itself may hold user data, so it is not echoed.
            throw new UpstreamProtocolException(
                $"The upstream answered HTTP {(int)status} with a body that is not a valid {what} object ({ex.Path ?? "$"}, byte {ex.BytePositionInLine}).",
                status, callInfo.RequestId, ex);
        }
        catch (UpstreamBodyTooLargeException ex)
        {
            throw new UpstreamProtocolException(
                $"The upstream answered HTTP {(int)status} with a body longer than the {ex.Max} bytes a {what} object may take (Upstream:MaxJsonResponseBytes).",
                status, callInfo.RequestId, ex);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException or NotSupportedException)
        {
            // What the serializer throws for text it cannot decode (invalid UTF-8 in a string), not a JsonException.
            throw new UpstreamProtocolException(
                $"The upstream answered HTTP {(int)status} with a body that is not a valid {what} object ({ex.GetType().Name}).",
                status, callInfo.RequestId, ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        if (result is null)
        {
            throw new UpstreamProtocolException($"The upstream answered HTTP {(int)status} with JSON null instead of {what}.", status, callInfo.RequestId);
        }
        if (result is IUpstreamBody body && body.FindProblem() is { } problem)
        {
            throw new UpstreamProtocolException($"The upstream answered HTTP {(int)status} with a {what} object that is not valid ({problem}).", status, callInfo.RequestId);
        }
        return result;
    }

    /// <summary>The error body, at most <see cref="UpstreamError.MaxBodyBytes"/> of it, read with the idle bound, its text redacted and cut.</summary>
    private async Task<UpstreamError> ReadErrorAsync(HttpResponseMessage response, CancellationToken token)
    {
        var cap = UpstreamError.MaxBodyBytes;
        await using var stream = new UpstreamBodyStream(await response.Content.ReadAsStreamAsync(token), options.Value.BodyIdleTimeout, clock);
        var buffer = new byte[cap];
        var length = 0;
        int read;
        while (length < cap && (read = await stream.ReadAsync(buffer.AsMemory(length, cap - length), token)) > 0)
        {
            length += read;
        }
        return UpstreamError.Parse(buffer.AsSpan(0, length), response.StatusCode, response.Content.Headers.ContentType?.MediaType)
            .Bounded(options.Value.ApiKey).Bounded(identity?.ApiKey);
    }

    private static ByteArrayContent Json<T>(T body, JsonTypeInfo<T> type)
    {
        // Serialized up front so the request has a Content-Length rather than a chunked body.
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, type));
        content.Headers.ContentType = JsonMediaType;
        return content;
    }
}
