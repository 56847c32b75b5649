namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// <c>Upstream:Breaker</c>: the circuit opens when at least <see cref="FailureRatio"/> of at least
/// <see cref="MinimumThroughput"/> upstream requests in <see cref="SamplingDuration"/> failed (no connection, a lost
/// connection, a timeout, a 5xx); calls then fail fast for <see cref="BreakDuration"/>, and one request probes.
/// </summary>
public sealed class BreakerSettings
{
    public double FailureRatio { get; set; } = 0.5;

    public int MinimumThroughput { get; set; } = 10;

    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);
}
