namespace UploadsGrpc.Server.Lifecycle;

/// <summary>The names grpc.health.v1 answers for, and the health checks behind them.</summary>
internal static class HealthNames
{
    /// <summary>The upstream's reachability: reported, never part of readiness, so an OpenAI outage keeps every replica in the balancer.</summary>
    public const string Upstream = "uploadsgrpc.upstream";

    /// <summary>The tag of the check behind readiness: the process is up and not draining.</summary>
    public const string ReadyTag = "ready";

    /// <summary>The tag of the check behind <see cref="Upstream"/>.</summary>
    public const string UpstreamTag = "upstream";

    /// <summary>The overall service ("", as Kubernetes' gRPC probes ask) and each service by its full name.</summary>
    public static readonly string[] Ready = ["", V1.UploadService.Descriptor.FullName, V1.FileService.Descriptor.FullName];
}
