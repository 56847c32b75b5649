using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using UploadsGrpc.Server.Errors;
using UploadsGrpc.Server.Tests.Infrastructure;
using UploadsGrpc.Server.Uploads.UploadFile;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Tests.Uploads.UploadFile;

/// <summary>Which failures PartRetry retries, how often, and how long it waits in between.</summary>
public sealed class PartRetryTests
{
    private static readonly TimeSpan Timeout = ChangeSignal.Timeout;

    [Theory]
    [InlineData(HttpStatusCode.RequestTimeout, true)]
    [InlineData(HttpStatusCode.Conflict, true)]
    [InlineData(HttpStatusCode.TooManyRequests, true)]
    [InlineData(HttpStatusCode.InternalServerError, true)]
    [InlineData(HttpStatusCode.BadGateway, true)]
    [InlineData(HttpStatusCode.ServiceUnavailable, true)]
    [InlineData(HttpStatusCode.GatewayTimeout, true)]
    [InlineData((HttpStatusCode)599, true)]
    [InlineData(HttpStatusCode.BadRequest, false)]
    [InlineData(HttpStatusCode.Unauthorized, false)]
    [InlineData(HttpStatusCode.Forbidden, false)]
    [InlineData(HttpStatusCode.NotFound, false)]
    [InlineData(HttpStatusCode.RequestEntityTooLarge, false)]
    [InlineData(HttpStatusCode.UnprocessableEntity, false)]
    public void An_upstream_status_is_transient_only_for_408_409_429_and_5xx(HttpStatusCode status, bool transient)
    {
        Assert.Equal(transient, PartRetry.IsTransient(Upstream(status), CancellationToken.None));
    }

    [Theory]
    [InlineData("HttpRequestException", true)]
    [InlineData("IOException", true)]
    [InlineData("UpstreamTimeoutException", true)]
    [InlineData("UpstreamProtocolException", true)]
    [InlineData("OperationCanceledException", true)]
    [InlineData("TaskCanceledException", true)]
    [InlineData("InvalidOperationException", false)]
    [InlineData("ArgumentException", false)]
    public void Transport_errors_timeouts_and_broken_answers_are_transient_other_exceptions_are_not(string kind, bool transient)
    {
        Assert.Equal(transient, PartRetry.IsTransient(Create(kind), CancellationToken.None));
    }

    [Theory]
    [InlineData("HttpRequestException")]
    [InlineData("IOException")]
    [InlineData("UpstreamTimeoutException")]
    [InlineData("UpstreamProtocolException")]
    [InlineData("OperationCanceledException")]
    [InlineData("TaskCanceledException")]
    [InlineData("Upstream429")]
    [InlineData("Upstream500")]
    [InlineData("Upstream503")]
    public void Nothing_is_transient_once_the_token_is_cancelled(string kind)
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.False(PartRetry.IsTransient(Create(kind), cancelled.Token));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public async Task A_transient_failure_is_tried_PartAttempts_times_and_the_last_failure_is_thrown(int attempts)
    {
        var log = new RecordingLogger<PartRetry>();
        var retry = NewRetry(new StreamingOptions { PartAttempts = attempts, RetryBaseDelay = TimeSpan.FromMilliseconds(1), MaxRetryDelay = TimeSpan.FromMilliseconds(3) }, TimeProvider.System, log);
        var thrown = new List<Exception>();

        var failure = await Assert.ThrowsAsync<UpstreamException>(() => retry.Pipeline.ExecuteAsync(_ =>
        {
            var exception = Upstream(HttpStatusCode.InternalServerError);
            thrown.Add(exception);
            throw exception;
        }, CancellationToken.None).AsTask().WaitAsync(Timeout));

        Assert.Equal(attempts, thrown.Count);
        Assert.Same(thrown[^1], failure);
        Assert.Equal(attempts - 1, log.Entries.Count);
        Assert.All(log.Entries, e => Assert.Equal("PartRetrying", e.EventName));
        Assert.All(log.Entries, e => Assert.InRange((double)e.Values["DelayMs"]!, 0, 3));
    }

    [Fact]
    public async Task A_permanent_failure_is_tried_once()
    {
        var log = new RecordingLogger<PartRetry>();
        var retry = NewRetry(new StreamingOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(1), MaxRetryDelay = TimeSpan.FromMilliseconds(3) }, TimeProvider.System, log);
        var calls = 0;

        var failure = await Assert.ThrowsAsync<UpstreamException>(() => retry.Pipeline.ExecuteAsync(_ =>
        {
            calls++;
            throw Upstream(HttpStatusCode.BadRequest);
        }, CancellationToken.None).AsTask().WaitAsync(Timeout));

        Assert.Equal(HttpStatusCode.BadRequest, failure.StatusCode);
        Assert.Equal(1, calls);
        Assert.Empty(log.Entries);
    }

    [Theory]
    [InlineData(3, 20, 3)]
    [InlineData(0, 20, 0)]
    [InlineData(60_000, 20, 20)]
    public async Task The_upstreams_retry_after_is_the_delay_up_to_MaxRetryDelay(int retryAfterMs, int maxDelayMs, double expectedDelayMs)
    {
        var log = new RecordingLogger<PartRetry>();
        var retry = NewRetry(new StreamingOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(1), MaxRetryDelay = TimeSpan.FromMilliseconds(maxDelayMs) }, TimeProvider.System, log);
        var calls = 0;

        var result = await retry.Pipeline.ExecuteAsync(_ =>
        {
            if (++calls == 1)
            {
                throw Upstream(HttpStatusCode.TooManyRequests, TimeSpan.FromMilliseconds(retryAfterMs));
            }
            return ValueTask.FromResult("part_1");
        }, CancellationToken.None).AsTask().WaitAsync(Timeout);

        Assert.Equal("part_1", result);
        Assert.Equal(2, calls);
        var entry = Assert.Single(log.Entries);
        Assert.Equal(expectedDelayMs, entry.Values["DelayMs"]);
        Assert.Equal("Rate limited.", entry.Values["Reason"]);
    }

    [Fact]
    public async Task With_the_default_settings_a_retry_after_of_a_minute_waits_MaxRetryDelay_of_20_seconds_on_the_clock()
    {
        var clock = new FakeTimeProvider();
        var log = new RecordingLogger<PartRetry>();
        var retry = NewRetry(new StreamingOptions(), clock, log);
        var secondAttempt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;

        var running = retry.Pipeline.ExecuteAsync(_ =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                throw Upstream(HttpStatusCode.TooManyRequests, TimeSpan.FromMinutes(1));
            }
            secondAttempt.SetResult();
            return ValueTask.FromResult("part_1");
        }, CancellationToken.None).AsTask();

        var entry = Assert.Single(log.Entries);
        Assert.Equal(20_000.0, entry.Values["DelayMs"]);
        clock.Advance(TimeSpan.FromSeconds(20) - TimeSpan.FromTicks(1));
        Assert.Equal(1, Volatile.Read(ref calls));
        clock.Advance(TimeSpan.FromTicks(1));
        await secondAttempt.Task.WaitAsync(Timeout);

        Assert.Equal("part_1", await running.WaitAsync(Timeout));
        Assert.Equal(2, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task Cancelling_during_the_backoff_stops_without_another_attempt()
    {
        var clock = new FakeTimeProvider();
        var retry = NewRetry(new StreamingOptions(), clock, new RecordingLogger<PartRetry>());
        using var stop = new CancellationTokenSource();
        var calls = 0;

        var running = retry.Pipeline.ExecuteAsync(_ =>
        {
            Interlocked.Increment(ref calls);
            throw Upstream(HttpStatusCode.ServiceUnavailable);
        }, stop.Token).AsTask();
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Timeout));
        Assert.Equal(1, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task The_retry_log_numbers_the_attempt_that_follows()
    {
        var log = new RecordingLogger<PartRetry>();
        var retry = NewRetry(new StreamingOptions { PartAttempts = 4, RetryBaseDelay = TimeSpan.Zero, MaxRetryDelay = TimeSpan.Zero }, TimeProvider.System, log);

        await Assert.ThrowsAsync<UpstreamException>(() => retry.Pipeline.ExecuteAsync(
            _ => throw Upstream(HttpStatusCode.InternalServerError), CancellationToken.None).AsTask().WaitAsync(Timeout));

        Assert.Equal([2, 3, 4], log.Entries.Select(e => (int)e.Values["Attempt"]!));
    }

    [Fact]
    public async Task The_retry_log_never_carries_the_api_key()
    {
        const string key = "sk-live-Secret0123456789abcdef";
        var log = new RecordingLogger<PartRetry>();
        var retry = new PartRetry(
            Options.Create(new StreamingOptions { PartAttempts = 4, RetryBaseDelay = TimeSpan.Zero, MaxRetryDelay = TimeSpan.Zero }),
            new SecretRedactor(Options.Create(new UpstreamOptions { ApiKey = key })), TimeProvider.System, log);

        await Assert.ThrowsAsync<UpstreamException>(() => retry.Pipeline.ExecuteAsync(
            _ => throw new UpstreamException(HttpStatusCode.ServiceUnavailable,
                new UpstreamError($"Upstream busy for Bearer {key}.", "server_error", null, null), "req_1", null),
            CancellationToken.None).AsTask().WaitAsync(Timeout));

        Assert.Equal(3, log.Entries.Count);
        Assert.All(log.Entries, e => Assert.Equal("Upstream busy for Bearer [redacted].", e.Values["Reason"]));
    }

    private static PartRetry NewRetry(StreamingOptions options, TimeProvider clock, RecordingLogger<PartRetry> log) =>
        new(Options.Create(options), new SecretRedactor(Options.Create(new UpstreamOptions())), clock, log);

    private static UpstreamException Upstream(HttpStatusCode status, TimeSpan? retryAfter = null) =>
        new(status, new UpstreamError(status == HttpStatusCode.TooManyRequests ? "Rate limited." : "Failed.", "server_error", null, null), "req_1", retryAfter);

    private static Exception Create(string kind) => kind switch
    {
        "HttpRequestException" => new HttpRequestException("Connection refused."),
        "IOException" => new IOException("Connection reset by peer."),
        "UpstreamTimeoutException" => new UpstreamTimeoutException(TimeSpan.FromSeconds(600)),
        "UpstreamProtocolException" => new UpstreamProtocolException("Not an UploadPart.", HttpStatusCode.OK, "req_1"),
        "OperationCanceledException" => new OperationCanceledException(),
        "TaskCanceledException" => new TaskCanceledException(),
        "InvalidOperationException" => new InvalidOperationException(),
        "ArgumentException" => new ArgumentException("Bad argument."),
        _ when kind.StartsWith("Upstream", StringComparison.Ordinal) =>
            Upstream((HttpStatusCode)int.Parse(kind["Upstream".Length..], CultureInfo.InvariantCulture)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "No such kind of failure in this table."),
    };
}
