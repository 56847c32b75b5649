using Microsoft.AspNetCore.Http;
using UploadsGrpc.Server.Lifecycle;

namespace UploadsGrpc.Server.Tests.Lifecycle;

/// <summary>The call's token (RequestAborted, which grpc-dotnet hands to the service) fires at the shutdown timeout, and still when the client leaves.</summary>
public sealed class ShutdownCancellationMiddlewareTests : IDisposable
{
    private readonly DrainState _drain = new();

    [Fact]
    public async Task The_token_the_call_sees_fires_when_the_shutdown_timeout_passes()
    {
        var context = new DefaultHttpContext();
        CancellationToken seen = default;
        var middleware = new ShutdownCancellationMiddleware(http =>
        {
            seen = http.RequestAborted;
            Assert.False(seen.IsCancellationRequested);
            _drain.BeginDraining();
            _drain.BeginClosing();
            Assert.False(seen.IsCancellationRequested);
            _drain.Expire();
            Assert.True(seen.IsCancellationRequested);
            return Task.CompletedTask;
        }, _drain);

        await middleware.InvokeAsync(context);

        Assert.True(seen.CanBeCanceled);
    }

    [Fact]
    public async Task A_client_that_leaves_still_cancels_the_call()
    {
        using var clientGone = new CancellationTokenSource();
        var context = new DefaultHttpContext { RequestAborted = clientGone.Token };
        var middleware = new ShutdownCancellationMiddleware(async http =>
        {
            await clientGone.CancelAsync();
            Assert.True(http.RequestAborted.IsCancellationRequested);
        }, _drain);

        await middleware.InvokeAsync(context);

        Assert.False(_drain.Expired.IsCancellationRequested);
    }

    [Fact]
    public async Task A_health_Watch_ends_when_the_drain_delay_ends_not_at_the_timeout()
    {
        var context = new DefaultHttpContext();
        context.Request.Path = "/grpc.health.v1.Health/Watch";
        var middleware = new ShutdownCancellationMiddleware(http =>
        {
            _drain.BeginDraining();
            Assert.False(http.RequestAborted.IsCancellationRequested);
            _drain.BeginClosing();
            Assert.True(http.RequestAborted.IsCancellationRequested);
            return Task.CompletedTask;
        }, _drain);

        await middleware.InvokeAsync(context);

        Assert.False(_drain.Expired.IsCancellationRequested);
    }

    public void Dispose() => _drain.Dispose();
}
