using System.Net;
using Microsoft.Extensions.Time.Testing;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Tests.Upstream;

/// <summary>When the upstream asked to be retried, read the way the official SDKs read it.</summary>
public sealed class RetryAfterTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    // retry-after-ms, Retry-After → milliseconds, or null for none
    [InlineData(null, null, null)]
    [InlineData("1500", null, 1500.0)]
    [InlineData("250.5", null, 250.5)]
    [InlineData("0", null, 0.0)]
    [InlineData("200", "30", 200.0)]
    [InlineData(null, "2", 2000.0)]
    [InlineData(null, " 2 ", 2000.0)]
    [InlineData(null, "0.25", 250.0)]
    [InlineData("-5", "3", 3000.0)]
    [InlineData("soon", "3", 3000.0)]
    [InlineData("NaN", "3", 3000.0)]
    [InlineData(null, "-1", null)]
    [InlineData(null, "Infinity", 3_600_000.0)]
    [InlineData(null, "1e300", 3_600_000.0)]
    [InlineData(null, "1e400", 3_600_000.0)]
    [InlineData(null, "3601", 3_600_000.0)]
    [InlineData(null, "3600", 3_600_000.0)]
    [InlineData("1e15", null, 3_600_000.0)]
    [InlineData("Infinity", null, 3_600_000.0)]
    [InlineData("1e15", "5", 3_600_000.0)]
    [InlineData(null, "NaN", null)]
    [InlineData(null, "-Infinity", null)]
    [InlineData(null, "-1e300", null)]
    [InlineData(null, "0x10", null)]
    [InlineData(null, "Fri, 31 Dec 9999 23:59:59 GMT", 3_600_000.0)]
    [InlineData(null, "Mon, 30 Nov 2026 12:59:59 GMT", 3_599_000.0)]
    [InlineData(null, "later", null)]
    [InlineData(null, "Mon, 30 Nov 2026 12:00:07 GMT", 7000.0)]
    [InlineData(null, "Mon, 30 Nov 2026 11:59:00 GMT", 0.0)]
    public void Reads_the_wait(string? retryAfterMs, string? retryAfter, double? expectedMs)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        if (retryAfterMs is not null)
        {
            response.Headers.TryAddWithoutValidation("retry-after-ms", retryAfterMs);
        }
        if (retryAfter is not null)
        {
            response.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
        }

        var wait = RetryAfter.Read(response.Headers, new FakeTimeProvider(Now));

        Assert.Equal(expectedMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null, wait);
    }
}
