using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace UploadsGrpc.Server.Lifecycle;

/// <summary>Ready while the process runs and is not draining; this is what the overall service and probes report.</summary>
internal sealed class ReadinessHealthCheck(DrainState drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(drain.IsDraining ? HealthCheckResult.Unhealthy("draining: the server is shutting down") : HealthCheckResult.Healthy());
}
