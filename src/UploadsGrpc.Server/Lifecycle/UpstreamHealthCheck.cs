using Microsoft.Extensions.Diagnostics.HealthChecks;

using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Lifecycle;

/// <summary>Reports what calls and the probe last saw of the upstream, and NOT_SERVING while draining.</summary>
internal sealed class UpstreamHealthCheck(UpstreamReachability reachability, DrainState drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var (reachable, reason) = reachability.Current;
        return Task.FromResult(reachable && !drain.IsDraining ? HealthCheckResult.Healthy(reason) : HealthCheckResult.Unhealthy(drain.IsDraining ? "draining" : reason));
    }
}
