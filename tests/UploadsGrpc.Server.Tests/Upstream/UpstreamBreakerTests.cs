using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using UploadsGrpc.Server.Tests.Infrastructure;
using UploadsGrpc.Server.Upstream;
using UploadsGrpc.Server.Upstream.Json;

namespace UploadsGrpc.Server.Tests.Upstream;

/// <summary>The circuit breaker on a fake clock: what opens it, what it refuses while open, and the probe that closes it.</summary>
public sealed class UpstreamBreakerTests
{
    private readonly TimerRecordingClock _clock = new();
    private readonly RecordingLogger<UpstreamResilience> _log = new();
    private bool _down = true;
    private int _requests;

    [Fact]
    public async Task Ten_failed_requests_open_it_then_calls_fail_without_a_request_until_the_probe_closes_it()
    {
        var client = Client();
        for (var i = 0; i < 10; i++)
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => client.GetFileAsync("file_1", Budget));
        }
        Assert.Equal(10, _requests);

        var refused = await Assert.ThrowsAsync<BrokenCircuitException>(() => client.GetFileAsync("file_1", Budget));
        Assert.Equal(TimeSpan.FromSeconds(5), refused.RetryAfter);
        // Not even the CreateUpload whose connection-refused retry would be allowed: nothing is sent.
        await Assert.ThrowsAsync<BrokenCircuitException>(() => client.CreateUploadAsync(new CreateUploadBody("a", "batch", 1, "text/plain", null), Budget));
        Assert.Equal(10, _requests);
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(3), (await Assert.ThrowsAsync<BrokenCircuitException>(() => client.GetFileAsync("file_1", Budget))).RetryAfter);

        _down = false;
        _clock.Advance(TimeSpan.FromSeconds(3));
        await client.GetFileAsync("file_1", Budget);
        await client.GetFileAsync("file_1", Budget);
        Assert.Equal(12, _requests);

        Assert.Equal(["CircuitOpened", "CircuitHalfOpened", "CircuitClosed"],
            _log.Entries.Where(e => e.EventName.StartsWith("Circuit", StringComparison.Ordinal)).Select(e => e.EventName));
    }

    [Fact]
    public async Task A_failed_probe_opens_it_again_logged_once_more()
    {
        var client = Client();
        for (var i = 0; i < 10; i++)
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => client.GetFileAsync("file_1", Budget));
        }
        _clock.Advance(TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetFileAsync("file_1", Budget));
        await Assert.ThrowsAsync<BrokenCircuitException>(() => client.GetFileAsync("file_1", Budget));

        Assert.Equal(11, _requests);
        Assert.Equal(["CircuitOpened", "CircuitHalfOpened", "CircuitOpened"],
            _log.Entries.Where(e => e.EventName.StartsWith("Circuit", StringComparison.Ordinal)).Select(e => e.EventName));
    }

    [Fact]
    public async Task The_clean_up_cancel_of_a_failed_upload_waits_for_the_probe_instead_of_failing_at_once()
    {
        var client = Client();
        for (var i = 0; i < 10; i++)
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => client.GetFileAsync("file_1", Budget));
        }
        _down = false;

        var cancel = client.CancelUploadAsync("upload_1", CallBudget.Until(_clock.GetUtcNow() + TimeSpan.FromSeconds(15), CancellationToken.None), Replay.Safe);
        var waits = await _clock.RunAsync(cancel, TimeSpan.FromSeconds(20));
        await cancel;

        Assert.Equal([TimeSpan.FromMilliseconds(5001)], waits);
        Assert.Equal(11, _requests);
        // A caller's own CancelUpload is refused at once while the circuit is open.
        for (var i = 0; i < 10; i++)
        {
            _down = true;
            await Assert.ThrowsAsync<HttpRequestException>(() => client.GetFileAsync("file_1", Budget));
        }
        await Assert.ThrowsAsync<BrokenCircuitException>(() => client.CancelUploadAsync("upload_1", Budget));
    }

    [Theory]
    [InlineData(400)]
    [InlineData(404)]
    [InlineData(429)]
    public async Task Answers_below_500_do_not_count_against_the_upstream(int status)
    {
        var client = Client(status);
        for (var i = 0; i < 20; i++)
        {
            await Assert.ThrowsAsync<UpstreamException>(() => client.GetFileAsync("file_1", Budget));
        }
        Assert.Equal(20, _requests);
        Assert.DoesNotContain(_log.Entries, e => e.EventName == "CircuitOpened");
    }

    [Fact]
    public async Task Half_the_requests_failing_opens_it_fewer_do_not()
    {
        var client = Client();
        var failures = 0;
        for (var i = 0; i < 20; i++)
        {
            // One of three fails: at most 40 % once 10 requests are in, under the ratio of 50 %.
            _down = i % 3 == 0;
            try
            {
                await client.GetFileAsync("file_1", Budget);
            }
            catch (HttpRequestException)
            {
                failures++;
            }
        }
        Assert.Equal(7, failures);
        Assert.DoesNotContain(_log.Entries, e => e.EventName == "CircuitOpened");

        _down = true;
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => client.GetFileAsync("file_1", Budget));
        }
        Assert.DoesNotContain(_log.Entries, e => e.EventName == "CircuitOpened");
        // 13 of 26 failed in the sampling window: the ratio is reached.
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetFileAsync("file_1", Budget));
        Assert.Single(_log.Entries, e => e.EventName == "CircuitOpened");
        await Assert.ThrowsAsync<BrokenCircuitException>(() => client.GetFileAsync("file_1", Budget));
    }

    private static readonly CallBudget Budget = new(HasDeadline: true, CancellationToken.None);

    private OpenAiUploadsClient Client(int? failStatus = null)
    {
        var options = Options.Create(new UpstreamOptions { MaxRetries = 0 });
        var handler = new AnsweringHandler(_ =>
        {
            _requests++;
            if (failStatus is { } status)
            {
                return new HttpResponseMessage((HttpStatusCode)status)
                {
                    Content = new StringContent("""{"error": {"message": "no", "type": "invalid_request_error"}}""", Encoding.UTF8, "application/json"),
                };
            }
            if (_down)
            {
                throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (upstream.test:80)",
                    new SocketException((int)SocketError.ConnectionRefused));
            }
            return new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent("""{"id": "file_1", "object": "file", "bytes": 1}""", Encoding.UTF8, "application/json"),
            };
        });
        return new OpenAiUploadsClient(new HttpClient(handler) { BaseAddress = new Uri("http://upstream.test/v1/") },
            new UpstreamCallInfo(), options, _clock, resilience: new UpstreamResilience(options, _clock, _log));
    }
}
