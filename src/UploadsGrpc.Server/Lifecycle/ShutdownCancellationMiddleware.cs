namespace UploadsGrpc.Server.Lifecycle;

/// <summary>
/// Makes every call's cancellation token fire when Shutdown:Timeout ends. grpc-dotnet's call token is the request's
/// RequestAborted, which a graceful Kestrel shutdown never fires: without this, a call still waiting on the upstream
/// at the timeout would be cut off with its upstream request left running.
/// </summary>
internal sealed class ShutdownCancellationMiddleware(RequestDelegate next, DrainState drain)
{
    public async Task InvokeAsync(HttpContext context)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, drain.Expired);
        context.RequestAborted = linked.Token;
        await next(context);
    }
}
