using Microsoft.Extensions.Options;
using UploadsGrpc.Emulator.Hosting;

namespace UploadsGrpc.Emulator.Faults;

/// <summary>Decides, per request, which fault of the current plan applies. One lock: draws must stay replayable from the seed.</summary>
public sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private FaultPlan _plan = new();
    private Random _random = new(0);
    private int[] _remaining = [];
    private readonly Dictionary<(string Route, string Target), int> _consecutive = [];

    public FaultInjector(IOptions<EmulatorOptions> options) => Replace(options.Value.Faults);

    public FaultPlan Current
    {
        get
        {
            lock (_gate)
            {
                return _plan;
            }
        }
    }

    public void Replace(FaultPlan plan)
    {
        foreach (var rule in plan.Rules)
        {
            Validate(rule);
        }
        lock (_gate)
        {
            _plan = plan;
            _random = new Random(plan.Seed);
            _remaining = [.. plan.Rules.Select(r => r.Count ?? 0)];
            _consecutive.Clear();
        }
    }

    /// <summary>The delay to add and the failing rule to apply, if any, for one request.</summary>
    /// <param name="target">
    /// The request's path and query, which <see cref="FaultRule.MaxConsecutive"/> counts faults in a row for;
    /// without it, the upload id.
    /// </param>
    public (int LatencyMs, FaultRule? Failure) Decide(string route, string? uploadId, string? target = null)
    {
        var key = (route, target ?? uploadId ?? "");
        lock (_gate)
        {
            var latency = 0;
            FaultRule? failure = null;
            for (var i = 0; i < _plan.Rules.Count; i++)
            {
                var rule = _plan.Rules[i];
                if ((rule.Route != "*" && rule.Route != route) || (rule.UploadId is not null && rule.UploadId != uploadId))
                {
                    continue;
                }
                if (rule.Fails && failure is not null)
                {
                    continue;
                }
                var fires = rule.Count is not null ? _remaining[i] > 0 : rule.Probability is not { } p || _random.NextDouble() < p;
                if (!fires)
                {
                    continue;
                }
                if (rule.Fails)
                {
                    if (rule.MaxConsecutive is { } max && _consecutive.GetValueOrDefault(key) >= max)
                    {
                        continue;
                    }
                    failure = rule;
                }
                if (rule.Count is not null)
                {
                    _remaining[i]--;
                }
                latency += rule.LatencyMaxMs is { } most ? _random.Next(rule.LatencyMs ?? 0, most + 1) : rule.LatencyMs ?? 0;
            }
            if (failure is not null)
            {
                _consecutive[key] = _consecutive.GetValueOrDefault(key) + 1;
            }
            else
            {
                _consecutive.Remove(key);
            }
            return (latency, failure);
        }
    }

    private static void Validate(FaultRule rule)
    {
        if (rule.Probability is < 0 or > 1)
        {
            Errors.ApiErrors.ThrowBadRequest("probability must be between 0 and 1.", "probability");
        }
        if (rule.Count is < 0)
        {
            Errors.ApiErrors.ThrowBadRequest("count must not be negative.", "count");
        }
        if (rule.Status is { } status && (status < 400 || status > 599))
        {
            Errors.ApiErrors.ThrowBadRequest("status must be an HTTP error status (400-599).", "status");
        }
        if (rule.LatencyMs is < 0 || rule.MaxConsecutive is < 0)
        {
            Errors.ApiErrors.ThrowBadRequest("latency_ms and max_consecutive must not be negative.", "latency_ms");
        }
        if (rule.LatencyMaxMs is { } most && most < (rule.LatencyMs ?? 0))
        {
            Errors.ApiErrors.ThrowBadRequest("latency_max_ms must not be less than latency_ms.", "latency_max_ms");
        }
        if (!Routes.All.Contains(rule.Route) && rule.Route != "*")
        {
            Errors.ApiErrors.ThrowBadRequest($"route '{rule.Route}' is not one of: *, {string.Join(", ", Routes.All)}.", "route");
        }
    }
}
