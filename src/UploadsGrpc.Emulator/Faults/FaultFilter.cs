using System.Globalization;
using UploadsGrpc.Emulator.Errors;
using UploadsGrpc.Emulator.Hosting;

namespace UploadsGrpc.Emulator.Faults;

/// <summary>Applies the injector's decision before a <c>/v1</c> handler runs.</summary>
internal sealed class FaultFilter(FaultInjector injector) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var http = invocation.HttpContext;
        var route = http.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName;
        if (route is null)
        {
            return await next(invocation);
        }
        var uploadId = http.Request.RouteValues.TryGetValue("upload_id", out var value) ? value as string : null;
        // A request sent again has the same path and query, so max_consecutive bounds the faults one client's
        // retries meet even while others call the same route (GET /files/{id} for different files, say).
        var (latencyMs, failure) = injector.Decide(route, uploadId, http.Request.Path + http.Request.QueryString);
        if (latencyMs > 0)
        {
            // Real time on purpose: latency is about the wire, not the emulated clock. The wait ends when the client
            // aborts, so a request held here is counted as aborted (GET /_admin/requests) at once.
            await Task.Delay(latencyMs, http.RequestAborted);
        }
        if (failure is null)
        {
            return await next(invocation);
        }
        if (failure.TakesEffect)
        {
            // The handler acts (creates, completes, stores); its answer is then lost to the fault. A request the
            // handler refuses throws here, and that error stands: nothing took effect.
            _ = await next(invocation);
        }
        if (failure.Drop)
        {
            DroppedConnection.Drop(http);
            return Results.Empty;
        }
        var headers = http.Response.Headers;
        if (failure.RetryAfter is { } retryAfter)
        {
            headers["retry-after"] = retryAfter;
        }
        if (failure.RetryAfterMs is { } retryAfterMs)
        {
            headers["retry-after-ms"] = retryAfterMs.ToString(CultureInfo.InvariantCulture);
        }
        if (failure.ShouldRetry is { } shouldRetry)
        {
            headers["x-should-retry"] = shouldRetry ? "true" : "false";
        }
        var status = failure.Status!.Value;
        return ErrorResults.Error(new ApiException(
            status,
            failure.Message ?? $"Injected fault: HTTP {status} on {route}.",
            failure.ErrorType ?? (status >= 500 ? ApiErrors.ServerError : ApiErrors.InvalidRequest),
            code: failure.ErrorCode));
    }
}
