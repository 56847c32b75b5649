using Microsoft.AspNetCore.Http;
using UploadsGrpc.Server.Protocol;

namespace UploadsGrpc.Server.Tests.Protocol;

public sealed class ExpiredTimeoutMiddlewareTests
{
    [Theory]
    [InlineData("1n", true)]
    [InlineData("99n", true)]
    [InlineData("0n", true)]
    [InlineData("0u", true)]
    [InlineData("0m", true)]
    [InlineData("0S", true)]
    [InlineData("0M", true)]
    [InlineData("0H", true)]
    [InlineData("00000000S", true)]
    [InlineData("100n", false)]
    [InlineData("1u", false)]
    [InlineData("1S", false)]
    [InlineData("5m", false)]
    [InlineData("123456789S", false)]
    [InlineData("1x", false)]
    [InlineData("n", false)]
    [InlineData("-1n", false)]
    [InlineData("", false)]
    public void A_timeout_under_one_tick_is_recognised(string value, bool roundsToZero) =>
        Assert.Equal(roundsToZero, ExpiredTimeoutMiddleware.RoundsToZero(value));

    [Theory]
    [InlineData("1n", true)]
    [InlineData("0S", true)]
    [InlineData("250m", false)]
    public async Task A_call_past_its_deadline_on_arrival_is_answered_without_running(string timeout, bool answered)
    {
        var ran = false;
        var middleware = new ExpiredTimeoutMiddleware(_ =>
        {
            ran = true;
            return Task.CompletedTask;
        });
        var context = new DefaultHttpContext();
        context.Request.Headers[ExpiredTimeoutMiddleware.TimeoutHeader] = timeout;

        await middleware.InvokeAsync(context);

        Assert.Equal(!answered, ran);
        Assert.Equal(answered ? "4" : "", context.Response.Headers["grpc-status"].ToString());
        Assert.Equal(answered ? "application/grpc" : null, context.Response.ContentType);
    }
}
