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

    public void MarkOn(HttpRequestMessage request) => request.Options.Set(Key, this);
}
