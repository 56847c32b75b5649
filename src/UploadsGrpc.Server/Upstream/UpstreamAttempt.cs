namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// What telemetry needs to know of one upstream request, carried in its <see cref="HttpRequestMessage.Options"/>:
/// the route it belongs to and how many times it was sent before (0 for the first attempt), so each attempt is a
/// span of its own and a retry shows as one with <c>http.request.resend_count</c> above 0.
/// </summary>
internal sealed record UpstreamAttempt(UpstreamRoute Route, int ResendCount)
{
    public static readonly HttpRequestOptionsKey<UpstreamAttempt> Key = new("uploadsgrpc.upstream-attempt");

    public static UpstreamAttempt? Of(HttpRequestMessage? request) =>
        request is not null && request.Options.TryGetValue(Key, out var attempt) ? attempt : null;

    /// <summary>The token of Upstream:RequestTimeout for this attempt, when it has one (no caller deadline).</summary>
    public static readonly HttpRequestOptionsKey<CancellationToken> TimeoutKey = new("uploadsgrpc.upstream-timeout");

    public void MarkOn(HttpRequestMessage request) => request.Options.Set(Key, this);

    /// <summary>Whether <paramref name="request"/> was stopped by Upstream:RequestTimeout rather than by its caller.</summary>
    public static bool TimedOut(HttpRequestMessage request) =>
        request.Options.TryGetValue(TimeoutKey, out var timeout) && timeout.IsCancellationRequested;
}
