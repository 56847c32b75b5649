using System.Collections.Immutable;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Polly.CircuitBreaker;

namespace UploadsGrpc.Server.Telemetry;

/// <summary>
/// The service's own instruments, on the meter <see cref="MeterName"/>, named <c>uploadsgrpc.*</c> and labelled
/// with the OpenTelemetry RPC and HTTP conventions' attributes. Every label has a bounded set of values (RPC names
/// from the contract, route templates, status codes, configured caller names), so no caller can grow the series.
/// </summary>
internal sealed class UploadsGrpcMetrics
{
    public const string MeterName = "UploadsGrpc.Server";

    /// <summary>From 5 ms to 10 minutes: a unary call takes milliseconds, an UploadFile of 8 GB minutes.</summary>
    private static readonly ImmutableArray<double> DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

    private readonly Histogram<double> _callDuration;
    private readonly UpDownCounter<long> _activeStreams;
    private readonly Histogram<double> _upstreamDuration;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _uploadedBytes;
    private readonly Counter<long> _uploadedParts;
    private readonly Counter<long> _callerLimitsHit;
    private readonly Counter<long> _circuitOpened;
    private int _circuitState;

    /// <param name="budgetUsed">The bytes of the memory budget reserved now.</param>
    /// <param name="budgetBytes">The whole memory budget.</param>
    public UploadsGrpcMetrics(IMeterFactory meters, Func<long> budgetUsed, long budgetBytes)
    {
        var meter = meters.Create(MeterName);
        var durationAdvice = new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets };
        _callDuration = meter.CreateHistogram("uploadsgrpc.server.call.duration", "s",
            "gRPC calls served, by RPC and gRPC status, and how long each took from its first byte to its status.", advice: durationAdvice);
        _activeStreams = meter.CreateUpDownCounter<long>("uploadsgrpc.server.active_streams", "{stream}",
            "Streaming calls in progress (UploadFile, DownloadFile, CreateFile, and the health and reflection services' streams), by RPC.");
        _upstreamDuration = meter.CreateHistogram("uploadsgrpc.upstream.request.duration", "s",
            "Requests sent to the upstream API, one per attempt, by route template and HTTP status, and how long each took to its response headers.",
            advice: durationAdvice);
        _retries = meter.CreateCounter<long>("uploadsgrpc.upstream.retries", "{retry}",
            "Upstream requests sent again after a retryable failure, by method, route template and the failure (an HTTP status or error.type).");
        _uploadedBytes = meter.CreateCounter<long>("uploadsgrpc.upload.bytes", "By",
            "Bytes of upload parts the upstream accepted (AddUploadPart and UploadFile alike).");
        _uploadedParts = meter.CreateCounter<long>("uploadsgrpc.upload.parts", "{part}",
            "Upload parts the upstream accepted (AddUploadPart and UploadFile alike).");
        _callerLimitsHit = meter.CreateCounter<long>("uploadsgrpc.caller.limits_hit", "{refusal}",
            "Calls refused by a caller's own limit (rate, concurrent streams, upload size), by caller and limit.");
        _circuitOpened = meter.CreateCounter<long>("uploadsgrpc.upstream.circuit.opened", "{opening}",
            "Times the upstream circuit breaker opened.");
        meter.CreateObservableGauge("uploadsgrpc.upstream.circuit.state", () => Volatile.Read(ref _circuitState), "{state}",
            "The upstream circuit breaker: 0 closed, 1 open (calls refused with UPSTREAM_CIRCUIT_OPEN), 2 half-open (one probe let through).");
        meter.CreateObservableUpDownCounter("uploadsgrpc.memory.budget.used", budgetUsed, "By",
            "Bytes of the memory budget reserved now for callers' bytes in flight (request frames, UploadFile part buffers).");
        meter.CreateObservableUpDownCounter("uploadsgrpc.memory.budget.limit", () => budgetBytes, "By",
            "The whole memory budget (Streaming:MemoryBudgetBytes or its default).");
    }

    public void CallEnded(in RpcName rpc, int statusCode, TimeSpan duration)
    {
        var tags = new TagList
        {
            { TelemetryAttributes.RpcSystem, TelemetryAttributes.Grpc },
            { TelemetryAttributes.RpcService, rpc.Service },
            { TelemetryAttributes.RpcMethod, rpc.Method },
            { TelemetryAttributes.RpcGrpcStatusCode, statusCode },
        };
        _callDuration.Record(duration.TotalSeconds, tags);
    }

    public void StreamStarted(in RpcName rpc) => _activeStreams.Add(1, RpcTags(rpc));

    public void StreamEnded(in RpcName rpc) => _activeStreams.Add(-1, RpcTags(rpc));

    /// <param name="errorType">Null when an answer came; else what stopped it (<c>error.type</c>).</param>
    public void UpstreamRequested(string method, string urlTemplate, int? statusCode, string? errorType, TimeSpan duration)
    {
        var tags = new TagList
        {
            { TelemetryAttributes.HttpRequestMethod, method },
            { TelemetryAttributes.UrlTemplate, urlTemplate },
        };
        if (statusCode is { } status)
        {
            tags.Add(TelemetryAttributes.HttpResponseStatusCode, status);
        }
        if (errorType is not null)
        {
            tags.Add(TelemetryAttributes.ErrorType, errorType);
        }
        _upstreamDuration.Record(duration.TotalSeconds, tags);
    }

    /// <param name="errorType">What failed: the HTTP status, or what kept an answer from coming.</param>
    public void Retried(string method, string urlTemplate, string errorType) =>
        _retries.Add(1, new TagList
        {
            { TelemetryAttributes.HttpRequestMethod, method },
            { TelemetryAttributes.UrlTemplate, urlTemplate },
            { TelemetryAttributes.ErrorType, errorType },
        });

    public void PartUploaded(int bytes)
    {
        _uploadedParts.Add(1);
        _uploadedBytes.Add(bytes);
    }

    /// <param name="caller">A configured caller's name, or <c>_OTHER</c> for one known only by its credential.</param>
    public void CallerLimitHit(string caller, string limit) =>
        _callerLimitsHit.Add(1, new TagList { { TelemetryAttributes.Caller, caller }, { TelemetryAttributes.Limit, limit } });

    public void CircuitChanged(CircuitState state)
    {
        Volatile.Write(ref _circuitState, state switch
        {
            CircuitState.Open or CircuitState.Isolated => 1,
            CircuitState.HalfOpen => 2,
            _ => 0,
        });
        if (state == CircuitState.Open)
        {
            _circuitOpened.Add(1);
        }
    }

    private static TagList RpcTags(in RpcName rpc) => new()
    {
        { TelemetryAttributes.RpcSystem, TelemetryAttributes.Grpc },
        { TelemetryAttributes.RpcService, rpc.Service },
        { TelemetryAttributes.RpcMethod, rpc.Method },
    };
}
