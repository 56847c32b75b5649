using Grpc.Core;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using UploadsGrpc.Server.Lifecycle;
using UploadsGrpc.Server.Tests.Infrastructure;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Tests.Lifecycle;

/// <summary>The drain's three moments on a fake clock: NOT_SERVING at the signal, closing after the delay, expiry after the timeout.</summary>
public sealed class DrainCoordinatorTests : IDisposable
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _clock = new();
    private readonly DrainState _drain = new();
    private readonly HealthServiceImpl _health = new();
    private readonly RecordingLogger<DrainCoordinator> _logger = new();
    private readonly UpstreamReachability _reachability;
    private readonly DrainCoordinator _coordinator;

    public DrainCoordinatorTests()
    {
        var shutdown = Options.Create(new ShutdownOptions { DrainDelay = TimeSpan.FromSeconds(5), Timeout = TimeSpan.FromSeconds(30) });
        _reachability = new UpstreamReachability(_clock, new RecordingLogger<UpstreamReachability>());
        _coordinator = new DrainCoordinator(_drain, new ServingStatus(_health, _drain, _reachability), shutdown, _clock, _logger);
        foreach (var name in HealthNames.Ready.Append(HealthNames.Upstream))
        {
            _health.SetStatus(name, HealthCheckResponse.Types.ServingStatus.Serving);
        }
    }

    [Fact]
    public async Task The_signal_turns_every_name_NOT_SERVING_at_once_and_serving_goes_on_for_the_delay()
    {
        var stopping = _coordinator.StoppingAsync(CancellationToken.None);

        Assert.True(_drain.IsDraining);
        Assert.False(_drain.Closing.IsCancellationRequested);
        Assert.False(stopping.IsCompleted);
        foreach (var name in HealthNames.Ready.Append(HealthNames.Upstream))
        {
            var answer = await _health.Check(new HealthCheckRequest { Service = name }, new FixedCallContext("/grpc.health.v1.Health/Check", CancellationToken.None));
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, answer.Status);
        }

        _clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(_drain.Closing.IsCancellationRequested);
        _clock.Advance(TimeSpan.FromSeconds(0.1));
        await stopping.WaitAsync(WaitLimit);
        Assert.True(_drain.Closing.IsCancellationRequested);
        Assert.False(_drain.Expired.IsCancellationRequested);
    }

    [Fact]
    public async Task Calls_are_cancelled_when_the_timeout_after_the_delay_passes_and_each_moment_is_logged_once()
    {
        var stopping = _coordinator.StoppingAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(5));
        await stopping.WaitAsync(WaitLimit);

        _clock.Advance(TimeSpan.FromSeconds(29.9));
        Assert.False(_drain.Expired.IsCancellationRequested);
        _clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.True(_drain.Expired.IsCancellationRequested);

        Assert.Equal(["DrainStarted", "DrainDelayEnded", "ShutdownTimeoutReached"], _logger.Entries.Select(e => e.EventName));
        Assert.Equal(5.0, _logger.Entries[0].Values["DrainDelaySeconds"]);
        Assert.Equal(30.0, _logger.Entries[0].Values["TimeoutSeconds"]);
    }

    [Fact]
    public async Task A_host_that_stops_waiting_early_still_closes()
    {
        using var hostGaveUp = new CancellationTokenSource();
        var stopping = _coordinator.StoppingAsync(hostGaveUp.Token);

        await hostGaveUp.CancelAsync();
        await stopping.WaitAsync(WaitLimit);

        Assert.True(_drain.Closing.IsCancellationRequested);
    }

    [Fact]
    public async Task After_the_signal_the_upstream_name_stays_NOT_SERVING_whatever_the_probe_finds()
    {
        _ = _coordinator.StoppingAsync(CancellationToken.None);

        _reachability.Report(true, "it answered 200");

        var answer = await _health.Check(new HealthCheckRequest { Service = HealthNames.Upstream }, new FixedCallContext("/grpc.health.v1.Health/Check", CancellationToken.None));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, answer.Status);
    }

    [Fact]
    public async Task A_host_disposed_during_the_delay_leaves_no_timer_to_fire_on_what_it_disposed()
    {
        using var hostGaveUp = new CancellationTokenSource();
        var stopping = _coordinator.StoppingAsync(hostGaveUp.Token);
        _coordinator.Dispose();
        _drain.Dispose();

        await hostGaveUp.CancelAsync();
        await stopping.WaitAsync(WaitLimit);
        _clock.Advance(TimeSpan.FromMinutes(5));
        _drain.Expire();

        Assert.Equal(["DrainStarted"], _logger.Entries.Select(e => e.EventName));
    }

    public void Dispose()
    {
        _coordinator.Dispose();
        _drain.Dispose();
    }
}
