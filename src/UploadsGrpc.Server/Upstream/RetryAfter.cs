using System.Globalization;
using System.Net.Http.Headers;

namespace UploadsGrpc.Server.Upstream;

/// <summary>Reads when the upstream asked to be retried, the way the official SDKs do.</summary>
internal static class RetryAfter
{
    /// <summary>
    /// The longest wait passed on. A TimeSpan holds about 29,000 years, so "1e300" or a far date would overflow
    /// it (and a protobuf Duration is smaller still); no caller should be told to wait more than an hour anyway.
    /// </summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromHours(1);

    /// <summary>
    /// <c>retry-after-ms</c> (milliseconds, possibly fractional) wins over <c>Retry-After</c> (seconds or an
    /// HTTP date). Negative, NaN or unreadable values count as absent; huge ones (infinity too) are
    /// <see cref="MaxDelay"/>.
    /// </summary>
    public static TimeSpan? Read(HttpResponseHeaders headers, TimeProvider clock)
    {
        if (headers.TryGetValues("retry-after-ms", out var ms)
            && double.TryParse(ms.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var millis)
            && millis >= 0)
        {
            // NaN fails ">= 0"; Min before FromMilliseconds, which throws past TimeSpan.MaxValue.
            return TimeSpan.FromMilliseconds(Math.Min(millis, MaxDelay.TotalMilliseconds));
        }
        if (headers.TryGetValues("retry-after", out var values) && values.FirstOrDefault() is { } raw)
        {
            raw = raw.Trim();
            if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
            {
                return seconds >= 0 ? TimeSpan.FromSeconds(Math.Min(seconds, MaxDelay.TotalSeconds)) : null;
            }
            if (DateTimeOffset.TryParseExact(raw, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            {
                var delay = date - clock.GetUtcNow();
                return delay <= TimeSpan.Zero ? TimeSpan.Zero : delay < MaxDelay ? delay : MaxDelay;
            }
        }
        return null;
    }
}
