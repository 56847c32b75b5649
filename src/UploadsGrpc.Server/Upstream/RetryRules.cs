using System.Net;
using Grpc.Core;
using Polly.CircuitBreaker;

namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// The official SDKs' retry rules (openai-python <c>_base_client.py</c>, openai-node <c>src/client.ts</c>), with the
/// façade's one addition: a request that may have had an effect is not replayed (<see cref="Replay"/>).
/// </summary>
internal static class RetryRules
{
    /// <summary>The SDKs honour a Retry-After only up to this; a longer one gets the backoff instead.</summary>
    public static readonly TimeSpan MaxHonouredRetryAfter = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Whether <paramref name="failure"/> may be retried: <c>x-should-retry</c> decides first; then 408, 409,
    /// 429 and 5xx, connection errors and timeouts, as the SDKs do; for <see cref="Replay.AtMostOnce"/> only what
    /// the upstream cannot have acted on.
    /// </summary>
    public static bool IsRetryable(Exception failure, RetryShape shape)
    {
        if (!shape.BodyResendable)
        {
            return false;
        }
        return failure switch
        {
            UpstreamException upstream => upstream.ShouldRetry ?? (shape.Replay == Replay.Safe
                ? upstream.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.Conflict or HttpStatusCode.TooManyRequests
                    || (int)upstream.StatusCode >= 500
                // A 429 is the upstream refusing before it does anything; the others may come after the effect.
                : upstream.StatusCode == HttpStatusCode.TooManyRequests),
            // Nothing was sent: the circuit was open. Most calls fail fast; a clean-up waits for the probe.
            BrokenCircuitException => shape.WaitsForCircuit,
            HttpRequestException http when IsCallersOwn(http) => false,
            HttpRequestException http when NeverSent(http) => true,
            // A connection lost after sending, an answer cut off, a stalled upstream: it may have acted.
            HttpRequestException or IOException or UpstreamTimeoutException => shape.Replay == Replay.Safe,
            // A 2xx that is not the promised answer (a part stored whose id never arrived): the SDKs do not retry
            // it, but where sending again is harmless it may mend it.
            UpstreamProtocolException => shape.Replay == Replay.Safe,
            _ => false,
        };
    }

    /// <summary>
    /// Whether <paramref name="failure"/> says something about the upstream's health, for the circuit breaker:
    /// no connection, a lost connection, a timeout, a 5xx. A 4xx (a 429 too) is the upstream working.
    /// </summary>
    public static bool IsUpstreamFailure(Exception failure) => failure switch
    {
        UpstreamException upstream => (int)upstream.StatusCode >= 500,
        HttpRequestException http => !IsCallersOwn(http),
        IOException or UpstreamTimeoutException => true,
        _ => false,
    };

    /// <summary>
    /// The wait before retry number <paramref name="retriesTaken"/> + 1: the upstream's <c>retry-after-ms</c> or
    /// <c>Retry-After</c> when it is above 0 and at most 60 s, else min(base · 2ⁿ, max) less up to 25 % jitter
    /// (<paramref name="random"/> in [0, 1)).
    /// </summary>
    public static TimeSpan Wait(Exception failure, int retriesTaken, double random, TimeSpan baseDelay, TimeSpan maxDelay)
    {
        if (failure is UpstreamException { RetryAfter: { } after } && after > TimeSpan.Zero && after <= MaxHonouredRetryAfter)
        {
            return after;
        }
        if (failure is BrokenCircuitException { RetryAfter: { } open } && open > TimeSpan.Zero)
        {
            // Until the circuit lets one request probe; a millisecond more, so the wait ends after the break does.
            return TimeSpan.FromMilliseconds(Math.Ceiling(open.TotalMilliseconds) + 1);
        }
        var backoff = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(retriesTaken, 1000));
        var milliseconds = Math.Min(backoff, maxDelay.TotalMilliseconds) * (1 - (0.25 * random));
        // Whole milliseconds, as timers keep them: the wait logged is the wait taken.
        return TimeSpan.FromMilliseconds(Math.Max(Math.Round(milliseconds), 0));
    }

    /// <summary>
    /// No connection was made, so nothing was sent: refused, no such host, no TLS. (SocketsHttpHandler itself
    /// already resends on a pooled connection that turned out closed, and on an HTTP/2 REFUSED_STREAM.)
    /// </summary>
    private static bool NeverSent(HttpRequestException http) =>
        http.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError;

    /// <summary>The caller's own request body failed (a chunk refused by validation or a guard): not the upstream's doing.</summary>
    internal static bool IsCallersOwn(HttpRequestException http) =>
        http.InnerException is RpcException || http.InnerException?.GetType().Assembly == typeof(RetryRules).Assembly;
}
