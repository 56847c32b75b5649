using Grpc.Health.V1;
using Grpc.HealthCheck;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Lifecycle;

/// <summary>
/// Pushes a change to grpc.health.v1 Watch streams the moment it happens. Check runs the health checks on every
/// call, but Watch reads what grpc-dotnet's publisher last stored, which it refreshes only every 30 s.
/// </summary>
internal sealed class ServingStatus
{
    private readonly HealthServiceImpl _health;
    private readonly DrainState _drain;
    private readonly Lock _gate = new();

    public ServingStatus(HealthServiceImpl health, DrainState drain, UpstreamReachability reachability)
    {
        _health = health;
        _drain = drain;
        reachability.Changed += ReportUpstream;
    }

    public void ReportDraining()
    {
        // Under the same lock as an upstream report, so none can turn a name back to SERVING after this.
        lock (_gate)
        {
            ReportDrainingLocked();
        }
    }

    private void ReportDrainingLocked()
    {
        foreach (var name in HealthNames.Ready)
        {
            _health.SetStatus(name, HealthCheckResponse.Types.ServingStatus.NotServing);
        }
        _health.SetStatus(HealthNames.Upstream, HealthCheckResponse.Types.ServingStatus.NotServing);
    }

    public void ReportUpstream(bool reachable)
    {
        lock (_gate)
        {
            // Once draining, every name stays NOT_SERVING, whatever the upstream does.
            var status = reachable && !_drain.IsDraining ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing;
            _health.SetStatus(HealthNames.Upstream, status);
        }
    }
}
