using System.Net;
using UploadsGrpc.Server.Telemetry;

namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// Whether the upstream answers, as the calls themselves and the idle-time probe see it. A call that gets an
/// answer below 500 proves it reachable; a request that could not connect or lost its connection proves it not.
/// Changes are logged once each and announced to health (<see cref="Changed"/>).
/// </summary>
internal sealed class UpstreamReachability(TimeProvider clock, ILogger<UpstreamReachability> logger)
{
    public const string NotObserved = "not observed yet: no call or probe has reached it";

    private readonly Lock _gate = new();
    private (bool Reachable, string Reason) _current = (false, NotObserved);
    private bool _observed;
    private DateTimeOffset _lastReport = clock.GetUtcNow();

    /// <summary>Raised with the new reachability when it changes.</summary>
    public event Action<bool>? Changed;

    public (bool Reachable, string Reason) Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>How long since a call or probe last reported; the probe only asks when calls have been quiet.</summary>
    public TimeSpan SinceLastReport
    {
        get
        {
            lock (_gate)
            {
                return clock.GetUtcNow() - _lastReport;
            }
        }
    }

    /// <summary>
    /// A call got an answer: anything below 500 is the upstream working. A 5xx, 401 or 403 is left to the probe,
    /// so one 503 does not flap health and a refused key is judged once, by the probe's rule.
    /// </summary>
    public void Answered(HttpStatusCode status)
    {
        if ((int)status < 500 && status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden))
        {
            Report(true, $"it answered {(int)status}");
        }
    }

    /// <summary>
    /// A call's request found no upstream: no connection, no name, no TLS. A connection lost before an answer is
    /// left to the probe: a stale pooled connection does that now and then, and health must not flap with it.
    /// </summary>
    public void Failed(HttpRequestError error)
    {
        if (error is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError)
        {
            Report(false, $"a request failed: {error}");
        }
    }

    public void Report(bool reachable, string reason)
    {
        // Health is told under the lock, so two reports racing reach it in the order they were recorded.
        lock (_gate)
        {
            var changed = !_observed || _current.Reachable != reachable;
            _observed = true;
            _current = (reachable, reason);
            _lastReport = clock.GetUtcNow();
            if (!changed)
            {
                return;
            }
            if (reachable)
            {
                ServerLog.UpstreamReachable(logger, reason);
            }
            else
            {
                ServerLog.UpstreamUnreachable(logger, reason);
            }
            Changed?.Invoke(reachable);
        }
    }
}
