using Grpc.Core;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.Server.Errors;

namespace UploadsGrpc.FunctionalTests;

/// <summary>
/// Failures without an upstream answer: nobody listening, an upstream that hangs past the caller's deadline,
/// a caller that cancels, and Upstream:RequestTimeout when the caller set no deadline.
/// </summary>
public sealed class TransportFailureTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Connection_refused_is_UNAVAILABLE_with_ErrorInfo()
    {
        var closedPort = LoopbackPort.Closed();
        await using var facade = new FacadeHost(FacadeHost.SettingsFor(new Uri($"http://127.0.0.1:{closedPort}/v1")));

        var ex = await RpcAssert.FailsAsync(StatusCode.Unavailable, () => Calls.InvokeAsync(facade.Uploads, "cancel"));

        var info = RpcAssert.ErrorInfo(ex);
        Assert.Equal(ErrorDomains.Facade, info.Domain);
        Assert.Equal(FacadeReasons.UpstreamUnavailable, info.Reason);
        Assert.Equal("ConnectionRefused", info.Metadata["error"]);
        Assert.Null(ex.Trailers.Get("x-request-id"));
        ErrorMappingTests.AssertNoKey(ex);
    }

    [Fact]
    public async Task Hung_upstream_past_the_deadline_is_DEADLINE_EXCEEDED_and_the_request_is_aborted()
    {
        var upstream = fixture.Fresh();
        upstream.Hang();

        await RpcAssert.FailsAsync(StatusCode.DeadlineExceeded,
            () => Calls.InvokeAsync(fixture.Uploads, "complete", new CallOptions(deadline: DateTime.UtcNow.AddSeconds(1))));

        var request = Assert.Single(upstream.Requests);
        await request.Aborted.Task.WaitAsync(Generous);
    }

    [Fact]
    public async Task Caller_cancel_is_CANCELLED_and_the_request_is_aborted()
    {
        var upstream = fixture.Fresh();
        upstream.Hang();
        using var cancel = new CancellationTokenSource();

        var call = Calls.InvokeAsync(fixture.Uploads, "part", new CallOptions(cancellationToken: cancel.Token));
        await Poll.UntilAsync(() => upstream.Requests.Count == 1, Generous);
        await cancel.CancelAsync();

        await RpcAssert.FailsAsync(StatusCode.Cancelled, () => call);
        await upstream.Requests[0].Aborted.Task.WaitAsync(Generous);
    }

    [Fact]
    public async Task Without_a_deadline_RequestTimeout_bounds_the_call()
    {
        var settings = FacadeHost.SettingsFor(fixture.Upstream.BaseUrl);
        settings["Upstream:RequestTimeout"] = "00:00:01";
        await using var facade = new FacadeHost(settings);
        var upstream = fixture.Fresh();
        upstream.Hang();

        var ex = await RpcAssert.FailsAsync(StatusCode.DeadlineExceeded, () => Calls.InvokeAsync(facade.Uploads, "cancel"));

        var info = RpcAssert.ErrorInfo(ex);
        Assert.Equal(ErrorDomains.Facade, info.Domain);
        Assert.Equal(FacadeReasons.UpstreamTimeout, info.Reason);
        await Assert.Single(upstream.Requests).Aborted.Task.WaitAsync(Generous);
    }

    [Fact]
    public async Task Dropped_connection_after_the_request_is_UNAVAILABLE()
    {
        var upstream = fixture.Fresh();
        upstream.Script((_, context) =>
        {
            context.Abort();
            return Task.CompletedTask;
        });

        var ex = await RpcAssert.FailsAsync(StatusCode.Unavailable, () => Calls.InvokeAsync(fixture.Uploads, "cancel"));

        Assert.Equal(FacadeReasons.UpstreamUnavailable, RpcAssert.ErrorInfo(ex).Reason);
    }
}
