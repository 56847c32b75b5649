using UploadsGrpc.Server.Telemetry;

namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// Counts every upstream attempt by route template and HTTP status, with its time to the response headers. A
/// handler, so each attempt of a retried request counts apart; the framework's <c>http.client.request.duration</c>
/// has no route, only the method and host.
/// </summary>
internal sealed class UpstreamMetricsHandler(UploadsGrpcMetrics metrics, TimeProvider clock) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (UpstreamAttempt.Of(request)?.Route is not { } route)
        {
            return await base.SendAsync(request, cancellationToken);
        }
        var started = clock.GetTimestamp();
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            metrics.UpstreamRequested(route.Method.Method, route.Template, (int)response.StatusCode, errorType: null, clock.GetElapsedTime(started));
            return response;
        }
        catch (Exception failure)
        {
            // The request timeout reaches this handler as a plain cancellation; the client turns it into its own exception later.
            var errorType = failure is OperationCanceledException && UpstreamAttempt.TimedOut(request) ? UpstreamErrorType.Timeout : UpstreamErrorType.Of(failure);
            metrics.UpstreamRequested(route.Method.Method, route.Template, statusCode: null, errorType, clock.GetElapsedTime(started));
            throw;
        }
    }
}
