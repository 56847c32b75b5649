namespace UploadsGrpc.Emulator.Faults;

/// <summary>The faults to inject: rules tried in order on every <c>/v1</c> request, drawn from one seeded random source.</summary>
public sealed class FaultPlan
{
    /// <summary>Seeds the random draws, so a failing run can be replayed.</summary>
    public int Seed { get; set; }

    public List<FaultRule> Rules { get; set; } = [];
}

/// <summary>
/// One fault. It fires on requests to <see cref="Route"/> either for the next <see cref="Count"/> requests or
/// with <see cref="Probability"/>, and then waits <see cref="LatencyMs"/> (or a time drawn in
/// [<see cref="LatencyMs"/>, <see cref="LatencyMaxMs"/>]), drops the connection, or answers <see cref="Status"/>
/// with an OpenAI error body. A rule with only a latency slows requests down and lets them through.
/// </summary>
public sealed class FaultRule
{
    /// <summary>
    /// create_upload, add_part, complete_upload, cancel_upload, list_files, create_file, get_file,
    /// delete_file, file_content, or <c>*</c> for all of them.
    /// </summary>
    public string Route { get; set; } = "*";

    /// <summary>When set, only requests for this upload.</summary>
    public string? UploadId { get; set; }

    /// <summary>Chance in [0, 1] that the rule fires on a request; ignored when <see cref="Count"/> is set.</summary>
    public double? Probability { get; set; }

    /// <summary>The rule fires on this many next requests, then stays quiet.</summary>
    public int? Count { get; set; }

    /// <summary>HTTP status to answer (with an OpenAI error body); none for a latency-only rule.</summary>
    public int? Status { get; set; }

    public string? ErrorType { get; set; }

    public string? ErrorCode { get; set; }

    public string? Message { get; set; }

    /// <summary>Sent as <c>Retry-After</c>: seconds, or an HTTP date.</summary>
    public string? RetryAfter { get; set; }

    /// <summary>Sent as <c>retry-after-ms</c>.</summary>
    public long? RetryAfterMs { get; set; }

    /// <summary>Sent as <c>x-should-retry</c>.</summary>
    public bool? ShouldRetry { get; set; }

    /// <summary>Delay before answering, or before letting the request through.</summary>
    public int? LatencyMs { get; set; }

    /// <summary>
    /// When set, the delay is drawn uniformly in [<see cref="LatencyMs"/> (0 when unset), this] for each request the
    /// rule fires on, from the plan's seeded random source; at least <see cref="LatencyMs"/>.
    /// </summary>
    public int? LatencyMaxMs { get; set; }

    /// <summary>Abort the connection without an answer.</summary>
    public bool Drop { get; set; }

    /// <summary>
    /// At most this many faults in a row for one route and request target (path and query: the upload or file
    /// it names, a list's parameters); the next request then gets through, so a client that retries enough
    /// always succeeds, whatever requests for other targets come between.
    /// </summary>
    public int? MaxConsecutive { get; set; }

    /// <summary>
    /// Let the request take effect (an upload created, completed or cancelled, a part stored, a file deleted)
    /// before the fault answers instead: the lost answer a client cannot tell from a request never processed.
    /// </summary>
    public bool TakesEffect { get; set; }

    internal bool Fails => Drop || Status is not null;
}
