using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Options;

namespace UploadsGrpc.Server.Lifecycle;

/// <summary>
/// Gives every client connection a maximum age. At it, Kestrel is asked to close the connection gracefully
/// (HTTP/2 GOAWAY: calls in flight finish, new ones go to a new connection, which an L4 balancer may send to
/// another replica); after the grace period, a connection still open is aborted. Without it a pick_first channel
/// stays on the first replica it found for as long as it lives.
/// </summary>
internal sealed class ConnectionAge(IOptions<ConnectionsOptions> options, TimeProvider clock)
{
    /// <summary>The age of one connection: the maximum, shortened by up to <paramref name="jitter"/> of it, <paramref name="sample"/> in [0, 1).</summary>
    public static TimeSpan AgeFor(TimeSpan maxAge, double jitter, double sample) => maxAge * (1 - (jitter * sample));

    public ConnectionDelegate Wrap(ConnectionDelegate next) => connection =>
    {
        var settings = options.Value;
        return settings.MaxAge == TimeSpan.Zero ? next(connection) : RunAsync(next, connection, settings);
    };

    private async Task RunAsync(ConnectionDelegate next, ConnectionContext connection, ConnectionsOptions settings)
    {
        var age = AgeFor(settings.MaxAge, settings.MaxAgeJitter, Random.Shared.NextDouble());
        var lifetime = connection.Features.Get<IConnectionLifetimeNotificationFeature>();
        using var close = clock.CreateTimer(_ => lifetime?.RequestClose(), null, age, Timeout.InfiniteTimeSpan);
        using var abort = clock.CreateTimer(
            _ => connection.Abort(new ConnectionAbortedException("The connection passed Connections:MaxAge and its grace period.")),
            null, age + settings.MaxAgeGrace, Timeout.InfiniteTimeSpan);
        await next(connection);
    }
}
