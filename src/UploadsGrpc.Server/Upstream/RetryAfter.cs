using System.Globalization;
using System.Net.Http.Headers;

namespace UploadsGrpc.Server.Upstream;

/// <summary>Reads when the upstream asked to be retried, the way the official SDKs do.</summary>
internal static class RetryAfter
{
    /// <summary>
    /// <c>retry-after-ms</c> (milliseconds, possibly fractional) wins over <c>Retry-After</c> (seconds or an
    /// HTTP date). Negative or unreadable values count as absent.
    /// </summary>
    public static TimeSpan? Read(HttpResponseHeaders headers, TimeProvider clock)
    {
        if (headers.TryGetValues("retry-after-ms", out var ms)
            && double.TryParse(ms.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var millis)
            && millis >= 0 && double.IsFinite(millis))
        {
            return TimeSpan.FromMilliseconds(millis);
        }
        if (headers.TryGetValues("retry-after", out var values) && values.FirstOrDefault() is { } raw)
        {
            raw = raw.Trim();
            if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
            {
                return seconds >= 0 && double.IsFinite(seconds) ? TimeSpan.FromSeconds(seconds) : null;
            }
            if (DateTimeOffset.TryParseExact(raw, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            {
                var delay = date - clock.GetUtcNow();
                return delay > TimeSpan.Zero ? delay : TimeSpan.Zero;
            }
        }
        return null;
    }
}
