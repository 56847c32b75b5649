namespace UploadsGrpc.Server.Lifecycle;

/// <summary>
/// Makes every call's cancellation token fire when Shutdown:Timeout ends. grpc-dotnet's call token is the request's
/// RequestAborted, which a graceful Kestrel shutdown never fires: without this, a call still waiting on the upstream
/// at the timeout would be cut off with its upstream request left running.
/// </summary>
/// <remarks>
/// A health Watch never ends by itself: it is ended when the drain delay ends instead, so watchers see NOT_SERVING
/// for the whole delay (grpc-dotnet's own end at the signal is turned off) and do not hold the shutdown open.
/// </remarks>
internal sealed class ShutdownCancellationMiddleware(RequestDelegate next, DrainState drain)
{
    public const string HealthWatchPath = "/grpc.health.v1.Health/Watch";

    public async Task InvokeAsync(HttpContext context)
    {
        var end = context.Request.Path.Equals(HealthWatchPath, StringComparison.Ordinal) ? drain.Closing : drain.Expired;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, end);
        context.RequestAborted = linked.Token;
        await next(context);
    }
}
