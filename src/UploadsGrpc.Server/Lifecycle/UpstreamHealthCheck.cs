using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace UploadsGrpc.Server.Lifecycle;

/// <summary>Reports the last probe of the upstream (see <see cref="UpstreamProbe"/>), and NOT_SERVING while draining.</summary>
internal sealed class UpstreamHealthCheck(UpstreamReachability reachability, DrainState drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var (reachable, reason) = reachability.Current;
        return Task.FromResult(reachable && !drain.IsDraining ? HealthCheckResult.Healthy(reason) : HealthCheckResult.Unhealthy(drain.IsDraining ? "draining" : reason));
    }
}
