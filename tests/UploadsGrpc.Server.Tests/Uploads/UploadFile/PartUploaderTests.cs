using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using UploadsGrpc.Server.Errors;
using UploadsGrpc.Server.Tests.Infrastructure;
using UploadsGrpc.Server.Uploads.UploadFile;
using UploadsGrpc.Server.Upstream;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Tests.Uploads.UploadFile;

/// <summary>
/// PartUploader against a real OpenAiUploadsClient whose HttpClient talks to an in-process scripted upstream. Each
/// part's bytes are its index, so the handler knows which part a request carries; files are 3500 bytes in parts
/// of 1000 unless a test says otherwise: parts 0..3 at offsets 0, 1000, 2000, 3000, the last 500 bytes long.
/// </summary>
public sealed class PartUploaderTests
{
    private const string UploadId = "upload_abc";
    private const int PartBytes = 1000;
    private const long FileBytes = 3500;

    private static readonly TimeSpan Timeout = ChangeSignal.Timeout;

    [Fact]
    public async Task Parts_finishing_out_of_order_come_back_from_FinishAsync_in_file_order_with_the_upstream_ids()
    {
        string[] ids = ["part_zz", "part_aa", "part_mm"];
        var firstPart = NewGate();
        await using var test = new Harness(async (request, token) =>
        {
            if (request.Marker == 0)
            {
                await firstPart.Task.WaitAsync(token);
            }
            return UpstreamResponses.Part(ids[request.Marker], UploadId);
        }, parallelism: 3, fileBytes: 2500);

        await test.SendAllAsync().WaitAsync(Timeout);
        await test.Responses.WaitUntilAsync(m => CommittedParts(m).Count == 2, "parts 1 and 2 to be committed");
        Assert.Equal([1, 2], CommittedParts(test.Responses.Messages).Select(p => p.Index).Order());
        firstPart.SetResult();
        var partIds = await test.Uploader.FinishAsync().WaitAsync(Timeout);

        Assert.Equal(ids, partIds);
        var committed = CommittedParts(await test.FlushResponsesAsync());
        Assert.Equal(0, committed[^1].Index);
        Assert.Equal(3, test.Handler.Requests.Count);
        Assert.Null(test.Uploader.Failure);
    }

    [Fact]
    public async Task Each_part_is_posted_once_to_the_parts_path_of_the_upload_with_its_exact_bytes()
    {
        await using var test = new Harness((request, _) => Task.FromResult(Ok(request)), parallelism: 1);

        await test.SendAllAsync().WaitAsync(Timeout);
        var partIds = await test.Uploader.FinishAsync().WaitAsync(Timeout);

        Assert.Equal(["part_0_1", "part_1_1", "part_2_1", "part_3_1"], partIds);
        Assert.Equal(
            [
                new PartRequest(1, "POST", "/v1/uploads/upload_abc/parts", 0, 1, 1000),
                new PartRequest(2, "POST", "/v1/uploads/upload_abc/parts", 1, 1, 1000),
                new PartRequest(3, "POST", "/v1/uploads/upload_abc/parts", 2, 1, 1000),
                new PartRequest(4, "POST", "/v1/uploads/upload_abc/parts", 3, 1, 500),
            ],
            test.Handler.Requests);
        Assert.Equal(1, test.Handler.MaxInFlight);
        // One part at a time: each full part reuses the buffer the part before it gave back.
        Assert.Same(test.Rented[0], test.Rented[1]);
        Assert.Same(test.Rented[0], test.Rented[2]);
        test.AssertEveryBufferReturned();
    }

    [Fact]
    public async Task No_more_than_the_plans_parallelism_of_requests_are_in_flight_at_once()
    {
        const int parallelism = 3;
        const int parts = 10;
        using var release = new SemaphoreSlim(0);
        await using var test = new Harness(async (request, token) =>
        {
            await release.WaitAsync(token);
            return Ok(request);
        }, parallelism, fileBytes: parts * PartBytes);

        var sending = test.SendAllAsync();
        for (var released = 0; released < parts; released++)
        {
            // With `released` parts let through, exactly `released + parallelism` may have reached the upstream.
            var expected = Math.Min(parts, released + parallelism);
            await test.Handler.WaitUntilAsync(h => h.Requests.Count >= expected, $"{expected} requests");
            Assert.Equal(expected, test.Handler.Requests.Count);
            release.Release();
        }
        await sending.WaitAsync(Timeout);
        var partIds = await test.Uploader.FinishAsync().WaitAsync(Timeout);

        Assert.Equal(Enumerable.Range(0, parts).Select(i => $"part_{i}_1"), partIds);
        Assert.Equal(parallelism, test.Handler.MaxInFlight);
        Assert.Equal(parts, test.Handler.Requests.Count);
        test.AssertEveryBufferReturned();
    }

    [Theory]
    [InlineData("500")]
    [InlineData("503")]
    [InlineData("429")]
    [InlineData("408")]
    [InlineData("409")]
    [InlineData("connection reset")]
    [InlineData("truncated json")]
    public async Task A_part_that_fails_transiently_once_is_retried_and_only_the_last_attempts_id_is_used(string failure)
    {
        await using var test = new Harness((request, _) =>
            request is { Marker: 1, Attempt: 1 } ? Task.FromResult(Fail(failure)) : Task.FromResult(Ok(request)),
            parallelism: 2);

        await test.SendAllAsync().WaitAsync(Timeout);
        var partIds = await test.Uploader.FinishAsync().WaitAsync(Timeout);

        Assert.Equal(["part_0_1", "part_1_2", "part_2_1", "part_3_1"], partIds);
        var requests = test.Handler.Requests;
        Assert.Equal(5, requests.Count);
        Assert.Equal([1, 2], requests.Where(r => r.Marker == 1).Select(r => r.Attempt));
        Assert.All(requests.Where(r => r.Marker == 1), r => Assert.Equal(1000, r.DataLength));
        Assert.Null(test.Uploader.Failure);
        Assert.Equal("part_1_2", CommittedParts(await test.FlushResponsesAsync()).Single(p => p.Index == 1).PartId);
        Assert.Single(test.RetryLog.Entries, e => e.EventName == "UpstreamRetrying");
        test.AssertEveryBufferReturned();

        static HttpResponseMessage Fail(string failure) => failure switch
        {
            "connection reset" => throw new HttpRequestException("Connection reset by peer."),
            // The upstream may have stored the part, but its id never arrived: only the retry's id counts.
            "truncated json" => UpstreamResponses.Json(HttpStatusCode.OK, """{"id":"part_1_1","object":"upload.part","crea"""),
            _ => UpstreamResponses.Error((HttpStatusCode)int.Parse(failure, System.Globalization.CultureInfo.InvariantCulture), "Try again.", "server_error"),
        };
    }

    [Fact]
    public async Task A_429_is_retried_after_the_upstreams_retry_after_ms()
    {
        await using var test = new Harness((request, _) => Task.FromResult(request.Attempt == 1
            ? UpstreamResponses.Error(HttpStatusCode.TooManyRequests, "Slow down.", "rate_limit_error", retryAfterMs: "3")
            : Ok(request)), parallelism: 1, fileBytes: PartBytes);

        await test.SendAllAsync().WaitAsync(Timeout);
        var partIds = await test.Uploader.FinishAsync().WaitAsync(Timeout);

        Assert.Equal(["part_0_2"], partIds);
        var retry = Assert.Single(test.RetryLog.Entries);
        Assert.Equal(3.0, retry.Values["DelayMs"]);
        Assert.Equal("Slow down.", retry.Values["Reason"]);
    }

    [Fact]
    public async Task A_request_that_outlives_Upstream_RequestTimeout_on_a_call_without_deadline_is_retried()
    {
        var upstreamClock = new FakeTimeProvider();
        await using var test = new Harness(async (request, token) =>
        {
            if (request.Attempt == 1)
            {
                await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, token);
            }
            return Ok(request);
        }, parallelism: 1, fileBytes: PartBytes, upstreamClock: upstreamClock, hasDeadline: false);

        await test.SendAllAsync().WaitAsync(Timeout);
        await test.Handler.WaitUntilAsync(h => h.Requests.Count == 1, "the first attempt");
        upstreamClock.Advance(new UpstreamOptions().RequestTimeout);
        var partIds = await test.Uploader.FinishAsync().WaitAsync(Timeout);

        Assert.Equal(["part_0_2"], partIds);
        Assert.Equal([1], test.Handler.Cancelled);
        Assert.Equal(2, test.Handler.Requests.Count);
        var retry = Assert.Single(test.RetryLog.Entries);
        Assert.Equal("The upstream did not answer within 600 s (Upstream:RequestTimeout).", retry.Values["Reason"]);
    }

    [Fact]
    public async Task A_part_that_keeps_failing_transiently_fails_after_PartAttempts_requests()
    {
        await using var test = new Harness((_, _) => Task.FromResult(
            UpstreamResponses.Error(HttpStatusCode.ServiceUnavailable, "Overloaded.", "server_error")),
            parallelism: 1, fileBytes: PartBytes, attempts: 5);

        await test.SendAllAsync().WaitAsync(Timeout);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => test.Uploader.FinishAsync().WaitAsync(Timeout));
        Assert.Equal([1, 2, 3, 4, 5], test.Handler.Requests.Select(r => r.Attempt));
        var failure = Assert.IsType<UpstreamException>(test.Uploader.Failure);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failure.StatusCode);
        Assert.Equal(4, test.RetryLog.Entries.Count);
        Assert.Empty(CommittedParts(await test.FlushResponsesAsync()));
        test.AssertEveryBufferReturned();
    }

    [Fact]
    public async Task A_part_failing_for_good_cancels_the_others_and_no_part_request_starts_after_it()
    {
        var firstPart = NewGate();
        await using var test = new Harness(async (request, token) =>
        {
            switch (request.Marker)
            {
                case 0:
                    await firstPart.Task.WaitAsync(token);
                    return UpstreamResponses.Error(HttpStatusCode.BadRequest, "Part 0 is not valid.", "invalid_request_error");
                case 1:
                    await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, token);
                    return Ok(request);
                default:
                    return Ok(request);
            }
        }, parallelism: 3);
        var cancelled = NewGate();
        using var onCancel = test.Uploader.Cancellation.Register(cancelled.SetResult);

        await test.SendNextPartAsync().WaitAsync(Timeout);
        await test.SendNextPartAsync().WaitAsync(Timeout);
        // The reader holds the third slot and is filling part 2 when part 0 fails.
        await test.Uploader.WaitForSlotAsync().WaitAsync(Timeout);
        var (thirdBuffer, thirdLength, thirdOffset) = test.RentNextPart();
        await test.Handler.WaitUntilAsync(h => h.Requests.Count == 2, "parts 0 and 1 to reach the upstream");
        firstPart.SetResult();
        await cancelled.Task.WaitAsync(Timeout);
        await test.Handler.WaitUntilAsync(h => h.Cancelled.Count == 1, "part 1's request to be cancelled");

        var failure = Assert.IsType<UpstreamException>(test.Uploader.Failure);
        Assert.Equal(HttpStatusCode.BadRequest, failure.StatusCode);
        Assert.Equal(new UpstreamError("Part 0 is not valid.", "invalid_request_error", null, null), failure.Error);
        Assert.Equal([test.Handler.Requests.Single(r => r.Marker == 1).Sequence], test.Handler.Cancelled);

        test.Uploader.Start(thirdBuffer, thirdLength, thirdOffset);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => test.Uploader.WaitForSlotAsync().WaitAsync(Timeout));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => test.Uploader.FinishAsync().WaitAsync(Timeout));

        // FinishAsync waited for every part, part 2 included: the upstream saw parts 0 and 1, once each, and nothing after.
        Assert.Equal([(0, 1), (1, 1)], test.Handler.Requests.Select(r => (r.Marker, r.Attempt)).Order());
        Assert.Same(failure, test.Uploader.Failure);
        Assert.Empty(test.RetryLog.Entries);
        Assert.Empty(CommittedParts(await test.FlushResponsesAsync()));
        test.AssertEveryBufferReturned();
    }

    [Fact]
    public async Task Every_part_buffer_goes_back_to_the_pool()
    {
        await using var test = new Harness((request, _) => Task.FromResult(Ok(request)), parallelism: 4);

        await test.SendAllAsync().WaitAsync(Timeout);
        await test.Uploader.FinishAsync().WaitAsync(Timeout);

        Assert.Equal([1000, 1000, 1000, 500], test.RentedLengths);
        test.AssertEveryBufferReturned();
    }

    [Fact]
    public async Task Each_part_is_reported_once_as_committed_with_its_index_offset_length_and_id_then_the_progress()
    {
        await using var test = new Harness((request, _) => Task.FromResult(Ok(request)), parallelism: 1);

        await test.SendAllAsync().WaitAsync(Timeout);
        await test.Uploader.FinishAsync().WaitAsync(Timeout);

        Assert.Equal(
            [
                Committed("part_0_1", 0, 0, 1000), Progress(0, 1000),
                Committed("part_1_1", 1, 1000, 1000), Progress(0, 2000),
                Committed("part_2_1", 2, 2000, 1000), Progress(0, 3000),
                Committed("part_3_1", 3, 3000, 500), Progress(0, 3500),
            ],
            await test.FlushResponsesAsync());
    }

    [Fact]
    public async Task Parts_committed_in_parallel_are_each_reported_once_and_the_progress_adds_up()
    {
        await using var test = new Harness((request, _) => Task.FromResult(Ok(request)), parallelism: 4);

        await test.SendAllAsync().WaitAsync(Timeout);
        await test.Uploader.FinishAsync().WaitAsync(Timeout);
        var messages = await test.FlushResponsesAsync();

        Assert.Equal(
            [
                new CommittedPart { PartId = "part_0_1", Index = 0, Offset = 0, Length = 1000 },
                new CommittedPart { PartId = "part_1_1", Index = 1, Offset = 1000, Length = 1000 },
                new CommittedPart { PartId = "part_2_1", Index = 2, Offset = 2000, Length = 1000 },
                new CommittedPart { PartId = "part_3_1", Index = 3, Offset = 3000, Length = 500 },
            ],
            CommittedParts(messages).OrderBy(p => p.Index));
        // Each commit is followed by the progress that counts it, in the order the parts finished.
        Assert.Equal(8, messages.Count);
        long committedBytes = 0;
        for (var i = 0; i < messages.Count; i += 2)
        {
            committedBytes += messages[i].PartCommitted.Length;
            Assert.Equal(Progress(0, committedBytes), messages[i + 1]);
        }
        Assert.Equal(FileBytes, committedBytes);
    }

    [Fact]
    public async Task On_resume_new_parts_are_numbered_after_the_committed_ones_and_progress_counts_from_the_resume_offset()
    {
        CommittedPart[] earlier =
        [
            new() { PartId = "part_old0", Index = 0, Offset = 0, Length = 1000 },
            new() { PartId = "part_old1", Index = 1, Offset = 1000, Length = 1000 },
        ];
        await using var test = new Harness((request, _) => Task.FromResult(Ok(request)), parallelism: 1, committed: earlier);

        await test.SendAllAsync().WaitAsync(Timeout);
        var partIds = await test.Uploader.FinishAsync().WaitAsync(Timeout);

        Assert.Equal(["part_2_1", "part_3_1"], partIds);
        Assert.Equal([(2, 1000), (3, 500)], test.Handler.Requests.Select(r => (r.Marker, r.DataLength)));
        Assert.Equal(
            [
                Committed("part_2_1", 2, 2000, 1000), Progress(2000, 3000),
                Committed("part_3_1", 3, 3000, 500), Progress(2000, 3500),
            ],
            await test.FlushResponsesAsync());
    }

    [Fact]
    public async Task DisposeAsync_cancels_the_requests_in_flight_and_waits_for_them()
    {
        await using var test = new Harness(async (request, token) =>
        {
            await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, token);
            return Ok(request);
        }, parallelism: 2);
        var cancellation = test.Uploader.Cancellation;

        await test.SendNextPartAsync().WaitAsync(Timeout);
        await test.SendNextPartAsync().WaitAsync(Timeout);
        await test.Handler.WaitUntilAsync(h => h.Requests.Count == 2, "both parts to reach the upstream");
        await test.DisposeUploaderAsync().AsTask().WaitAsync(Timeout);

        Assert.True(cancellation.IsCancellationRequested);
        Assert.Equal([1, 2], test.Handler.Cancelled.Order());
        Assert.Equal(0, test.Handler.InFlight);
        Assert.Equal(2, test.Handler.Requests.Count);
        Assert.Null(test.Uploader.Failure);
        Assert.Empty(test.RetryLog.Entries);
        Assert.Empty(await test.FlushResponsesAsync());
        test.AssertEveryBufferReturned();
    }

    [Fact]
    public async Task Cancelling_the_call_cancels_the_parts_without_retrying_and_is_not_a_part_failure()
    {
        await using var test = new Harness(async (request, token) =>
        {
            await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, token);
            return Ok(request);
        }, parallelism: 2);

        await test.SendNextPartAsync().WaitAsync(Timeout);
        await test.SendNextPartAsync().WaitAsync(Timeout);
        await test.Handler.WaitUntilAsync(h => h.Requests.Count == 2, "both parts to reach the upstream");
        await test.CancelCallAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => test.Uploader.FinishAsync().WaitAsync(Timeout));
        Assert.True(test.Uploader.Cancellation.IsCancellationRequested);
        Assert.Null(test.Uploader.Failure);
        Assert.Equal([1, 2], test.Handler.Cancelled.Order());
        Assert.Equal(2, test.Handler.Requests.Count);
        Assert.Empty(test.RetryLog.Entries);
        test.AssertEveryBufferReturned();
    }

    [Fact]
    public async Task DisposeAsync_a_second_time_does_nothing()
    {
        await using var test = new Harness((request, _) => Task.FromResult(Ok(request)), parallelism: 2);
        await test.SendAllAsync().WaitAsync(Timeout);
        await test.Uploader.FinishAsync().WaitAsync(Timeout);
        await test.DisposeUploaderAsync();

        var second = await Record.ExceptionAsync(async () => await test.Uploader.DisposeAsync());

        Assert.Null(second);
    }

    private static HttpResponseMessage Ok(PartRequest request) =>
        UpstreamResponses.Part($"part_{request.Marker}_{request.Attempt}", UploadId);

    private static TaskCompletionSource NewGate() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static List<CommittedPart> CommittedParts(IEnumerable<UploadFileResponse> messages) =>
        [.. messages.Where(m => m.EventCase == UploadFileResponse.EventOneofCase.PartCommitted).Select(m => m.PartCommitted)];

    private static UploadFileResponse Committed(string partId, int index, long offset, long length) =>
        new() { PartCommitted = new CommittedPart { PartId = partId, Index = index, Offset = offset, Length = length } };

    private static UploadFileResponse Progress(long received, long committed) =>
        new() { Progress = new UploadProgress { BytesReceived = received, BytesCommitted = committed } };

    /// <summary>One PartUploader, its upstream, pool and response stream, driven the way UploadFileSession drives it.</summary>
    private sealed class Harness : IAsyncDisposable
    {
        private readonly HttpClient _http;
        private readonly CancellationTokenSource _call = new();
        private readonly ResponsePump<UploadFileResponse> _pump;
        private long _nextOffset;
        private int _nextIndex;
        private bool _uploaderDisposed;

        public Harness(
            Func<PartRequest, CancellationToken, Task<HttpResponseMessage>> script,
            int parallelism,
            long fileBytes = FileBytes,
            IReadOnlyList<CommittedPart>? committed = null,
            TimeProvider? upstreamClock = null,
            bool hasDeadline = true,
            int attempts = 4)
        {
            Handler = new ScriptedHandler(script);
            _http = new HttpClient(Handler)
            {
                BaseAddress = new Uri("http://upstream.test/v1/"),
                Timeout = System.Threading.Timeout.InfiniteTimeSpan,
            };
            var upstreamOptions = Options.Create(new UpstreamOptions
            {
                RetryBaseDelay = TimeSpan.FromMilliseconds(2),
                MaxRetryDelay = TimeSpan.FromMilliseconds(5),
            });
            var resilience = new UpstreamResilience(upstreamOptions, TimeProvider.System, RetryLog);
            var client = new OpenAiUploadsClient(_http, new UpstreamCallInfo(), upstreamOptions, upstreamClock ?? TimeProvider.System, resilience: resilience);
            // Room for every buffer of the file, so each one returned is kept.
            Pool = new PartBufferPool((fileBytes / PartBufferPool.SmallestClass + 64) * PartBufferPool.SmallestClass);
            Plan = new UploadFilePlan(new UploadFileMetadata { Bytes = fileBytes }, PartBytes, parallelism, committed ?? []);
            _pump = new ResponsePump<UploadFileResponse>(Responses, CancellationToken.None);
            var progress = new ProgressReporter(_pump, new FakeTimeProvider(), TimeSpan.FromMilliseconds(250), Plan.ResumeOffset);
            Uploader = new PartUploader(client, attempts - 1, Pool, Plan, UploadId, new CallBudget(hasDeadline, _call.Token), progress);
            _nextOffset = Plan.ResumeOffset;
            _nextIndex = Plan.Committed.Count;
        }

        public ScriptedHandler Handler { get; }

        public RecordingLogger<UpstreamResilience> RetryLog { get; } = new();

        public RecordingStreamWriter<UploadFileResponse> Responses { get; } = new();

        public PartBufferPool Pool { get; }

        public UploadFilePlan Plan { get; }

        public PartUploader Uploader { get; }

        /// <summary>The buffer handed to the uploader for each part, in part order.</summary>
        public List<byte[]> Rented { get; } = [];

        /// <summary>The length of each part, in part order (a pooled buffer may be longer).</summary>
        public List<int> RentedLengths { get; } = [];

        /// <summary>Takes a slot and sends the next part, as the session does once a part's buffer is full.</summary>
        public async Task SendNextPartAsync()
        {
            await Uploader.WaitForSlotAsync();
            var (buffer, length, offset) = RentNextPart();
            Uploader.Start(buffer, length, offset);
        }

        public async Task SendAllAsync()
        {
            while (_nextOffset < Plan.Metadata.Bytes)
            {
                await SendNextPartAsync();
            }
        }

        /// <summary>The next part's buffer from the pool, filled with the part's index, and its offset.</summary>
        public (byte[] Buffer, int Length, long Offset) RentNextPart()
        {
            var offset = _nextOffset;
            var length = (int)Math.Min(Plan.PartSize, Plan.Metadata.Bytes - offset);
            var buffer = Pool.Rent(length);
            buffer.AsSpan(0, length).Fill((byte)_nextIndex++);
            Rented.Add(buffer);
            RentedLengths.Add(length);
            _nextOffset += length;
            return (buffer, length, offset);
        }

        /// <summary>Sends what was posted and returns everything the response stream received.</summary>
        public async Task<IReadOnlyList<UploadFileResponse>> FlushResponsesAsync()
        {
            await _pump.CompleteAsync().WaitAsync(Timeout);
            return Responses.Messages;
        }

        public Task CancelCallAsync() => _call.CancelAsync();

        /// <summary>
        /// The pool hands back exactly the buffers the uploader was given: each one was returned. (Parts reuse the
        /// buffers of parts that finished before them, so the distinct buffers are what must come back.)
        /// </summary>
        public void AssertEveryBufferReturned()
        {
            var given = Rented.Distinct(ReferenceEqualityComparer.Instance).Cast<byte[]>().ToList();
            var again = given.Select(b => Pool.Rent(b.Length)).ToList();
            Assert.Equal(given.Count, again.Distinct(ReferenceEqualityComparer.Instance).Count());
            Assert.All(again, buffer => Assert.Contains(buffer, given, ReferenceEqualityComparer.Instance));
            foreach (var buffer in again)
            {
                Pool.Return(buffer);
            }
        }

        public async ValueTask DisposeUploaderAsync()
        {
            _uploaderDisposed = true;
            await Uploader.DisposeAsync();
        }

        public async ValueTask DisposeAsync()
        {
            if (!_uploaderDisposed)
            {
                await DisposeUploaderAsync();
            }
            await _pump.AbandonAsync();
            _http.Dispose();
            _call.Dispose();
        }
    }
}
