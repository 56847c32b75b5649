using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;
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
    UpstreamIdentity? identity = null)
{
    /// <summary>The IHttpClientFactory name of the upstream client.</summary>
    public const string HttpClientName = "openai-upstream";

    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json") { CharSet = "utf-8" };

    public Task<UploadJson> CreateUploadAsync(CreateUploadBody body, CallBudget budget) =>
        SendAsync(HttpMethod.Post, "uploads", Json(body, UpstreamJsonContext.Default.CreateUploadBody),
            UpstreamJsonContext.Default.UploadJson, budget);

    public Task<UploadPartJson> AddUploadPartAsync(string uploadId, ReadOnlyMemory<byte> data, CallBudget budget) =>
        SendAsync(HttpMethod.Post, $"uploads/{PathSegment.Encode(uploadId)}/parts", Multipart.ForPart(data),
            UpstreamJsonContext.Default.UploadPartJson, budget);

    public Task<UploadJson> CompleteUploadAsync(string uploadId, CompleteUploadBody body, CallBudget budget) =>
        SendAsync(HttpMethod.Post, $"uploads/{PathSegment.Encode(uploadId)}/complete",
            Json(body, UpstreamJsonContext.Default.CompleteUploadBody), UpstreamJsonContext.Default.UploadJson, budget);

    public Task<UploadJson> CancelUploadAsync(string uploadId, CallBudget budget) =>
        SendAsync(HttpMethod.Post, $"uploads/{PathSegment.Encode(uploadId)}/cancel", content: null,
            UpstreamJsonContext.Default.UploadJson, budget);

    public Task<FileJson> GetFileAsync(string fileId, CallBudget budget) =>
        SendAsync(HttpMethod.Get, $"files/{PathSegment.Encode(fileId)}", content: null, UpstreamJsonContext.Default.FileJson, budget);

    public Task<FileListJson> ListFilesAsync(FileListQuery query, CallBudget budget) =>
        SendAsync(HttpMethod.Get, query.ToPathAndQuery(), content: null, UpstreamJsonContext.Default.FileListJson, budget);

    public Task<FileDeletedJson> DeleteFileAsync(string fileId, CallBudget budget) =>
        SendAsync(HttpMethod.Delete, $"files/{PathSegment.Encode(fileId)}", content: null, UpstreamJsonContext.Default.FileDeletedJson, budget);

    /// <summary>POST /files: the form fields and the file's bytes, which may stream from the caller.</summary>
    public Task<FileJson> CreateFileAsync(CreateFileForm fields, HttpContent file, CallBudget budget) =>
        SendAsync(HttpMethod.Post, "files", Multipart.ForFile(fields, file), UpstreamJsonContext.Default.FileJson, budget);

    /// <summary>
    /// GET /files/{id}/content, asking for the bytes from <paramref name="offset"/> on with a Range header. The
    /// caller owns the response and must check whether it is a 206 for that range or the whole file (200).
    /// Only the response headers are bounded by Upstream:RequestTimeout: a large body may take longer.
    /// </summary>
    public async Task<HttpResponseMessage> OpenFileContentAsync(string fileId, long offset, CallBudget budget)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"files/{PathSegment.Encode(fileId)}/content");
        if (offset > 0)
        {
            request.Headers.Range = new RangeHeaderValue(offset, null);
        }
        return await SendCheckedAsync(request, budget, static (response, _) => Task.FromResult(response), disposeResponse: false);
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> type, CallBudget budget)
        where T : class
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        return await SendCheckedAsync(request, budget, (response, token) => ReadJsonAsync(response, type, callInfo.RequestId, token), disposeResponse: true);
    }

    private async Task<T> SendCheckedAsync<T>(HttpRequestMessage request, CallBudget budget, Func<HttpResponseMessage, CancellationToken, Task<T>> read, bool disposeResponse)
    {
        var timeout = options.Value.RequestTimeout;
        // The caller's deadline bounds the call; RequestTimeout only stands in for a deadline nobody set.
        using var timeoutSource = budget.HasDeadline ? null : new CancellationTokenSource(timeout, clock);
        using var linked = timeoutSource is null ? null : CancellationTokenSource.CreateLinkedTokenSource(budget.Cancellation, timeoutSource.Token);
        var token = linked?.Token ?? budget.Cancellation;
        HttpResponseMessage? response = null;
        try
        {
            response = await SendObservedAsync(request, token);
            var requestId = response.Headers.TryGetValues("x-request-id", out var ids) ? ids.FirstOrDefault() : null;
            callInfo.RequestId = requestId;
            if (!response.IsSuccessStatusCode)
            {
                var body = await ReadCappedAsync(response.Content, UpstreamError.MaxBodyBytes, token);
                throw new UpstreamException(
                    response.StatusCode,
                    UpstreamError.Parse(body, response.StatusCode, response.Content.Headers.ContentType?.MediaType),
                    requestId,
                    RetryAfter.Read(response.Headers, clock));
            }
            var result = await read(response, token);
            if (!disposeResponse)
            {
                response = null;
            }
            return result;
        }
        catch (OperationCanceledException) when (timeoutSource is { IsCancellationRequested: true } && !budget.Cancellation.IsCancellationRequested)
        {
            throw new UpstreamTimeoutException(timeout);
        }
        finally
        {
            response?.Dispose();
        }
    }

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
            reachability?.Failed(failure.HttpRequestError);
            throw;
        }
    }

    private static async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, string? requestId, CancellationToken token)
        where T : class
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(token);
            return await JsonSerializer.DeserializeAsync(stream, type, token)
                ?? throw new UpstreamProtocolException($"The upstream answered HTTP {(int)response.StatusCode} with JSON null instead of {type.Type.Name[..^4]}.", response.StatusCode, requestId);
        }
        catch (JsonException ex)
        {
            // The path and position say what was wrong; the body itself may hold user data, so it is not echoed.
            throw new UpstreamProtocolException(
                $"The upstream answered HTTP {(int)response.StatusCode} with a body that is not a valid {type.Type.Name[..^4]} object ({ex.Path ?? "$"}, byte {ex.BytePositionInLine}).",
                response.StatusCode, requestId, ex);
        }
    }

    private static async Task<byte[]> ReadCappedAsync(HttpContent content, int cap, CancellationToken token)
    {
        await using var stream = await content.ReadAsStreamAsync(token);
        var buffer = new byte[cap];
        var length = 0;
        int read;
        while (length < cap && (read = await stream.ReadAsync(buffer.AsMemory(length, cap - length), token)) > 0)
        {
            length += read;
        }
        return buffer[..length];
    }

    private static ByteArrayContent Json<T>(T body, JsonTypeInfo<T> type)
    {
        // Serialized up front so the request has a Content-Length rather than a chunked body.
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, type));
        content.Headers.ContentType = JsonMediaType;
        return content;
    }
}
