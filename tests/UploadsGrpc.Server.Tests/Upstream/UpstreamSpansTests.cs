using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Tests.Upstream;

/// <summary>An upstream attempt's span: named by its route template, with its resend count and a checked request id.</summary>
public sealed class UpstreamSpansTests : IDisposable
{
    private const string Key = "sk-test-Spans0123456789abcdefghijKLMNOPQR";

    private readonly ActivitySource _source = new("UploadsGrpc.Tests.UpstreamSpans");
    private readonly ActivityListener _listener;

    public UpstreamSpansTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source == _source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [Fact]
    public void The_span_is_named_by_method_and_template_never_the_path_with_its_id()
    {
        using var request = Attempt(UpstreamRoute.AddUploadPart, resendCount: 0, "uploads/upload_secretish/parts");
        using var span = new Activity("POST").Start();
        UpstreamSpans.OnRequest(span, request);
        Assert.Equal("POST /uploads/{upload_id}/parts", span.DisplayName);
        Assert.Equal("/uploads/{upload_id}/parts", span.GetTagItem("url.template"));
        Assert.Null(span.GetTagItem("http.request.resend_count"));
    }

    [Fact]
    public void A_retry_carries_how_many_times_the_request_was_sent_before()
    {
        using var request = Attempt(UpstreamRoute.GetFile, resendCount: 2, "files/file-a");
        using var span = new Activity("GET").Start();
        UpstreamSpans.OnRequest(span, request);
        Assert.Equal(("GET /files/{file_id}", (object?)2), (span.DisplayName, span.GetTagItem("http.request.resend_count")));
    }

    [Fact]
    public void Only_the_upstream_clients_requests_made_within_a_call_are_traced()
    {
        using var ours = Attempt(UpstreamRoute.ListFiles, resendCount: 0, "files");
        using var other = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/elsewhere");
        Assert.Null(Activity.Current);
        Assert.False(UpstreamSpans.ShouldTrace(ours));
        // The instrumentation asks with the attempt's own span current: one with no call above it (the health probe) is dropped.
        using (Client("GET"))
        {
            Assert.False(UpstreamSpans.ShouldTrace(ours));
        }
        using var call = new Activity("call").Start();
        Assert.True(UpstreamSpans.ShouldTrace(ours));
        using var span = Client("GET");
        Assert.True(UpstreamSpans.ShouldTrace(ours));
        Assert.False(UpstreamSpans.ShouldTrace(other));
        UpstreamSpans.OnRequest(span, other);
        Assert.Equal("GET", span.DisplayName);
    }

    [Theory]
    [InlineData("req_0123456789abcdef", "req_0123456789abcdef")]
    [InlineData("req with space", null)]
    [InlineData("req_" + Key, null)]
    public void The_request_id_is_tagged_only_when_it_is_one_a_trailer_may_carry_and_quotes_no_key(string header, string? expected)
    {
        using var request = Attempt(UpstreamRoute.CancelUpload, resendCount: 0, "uploads/upload_a/cancel");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using var response = new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request };
        response.Headers.TryAddWithoutValidation("x-request-id", header);
        using var span = new Activity("POST").Start();
        UpstreamSpans.OnResponse(span, response);
        Assert.Equal(expected, span.GetTagItem("uploadsgrpc.upstream.request_id"));
    }

    [Fact]
    public void An_attempt_stopped_by_the_request_timeout_is_told_from_one_its_caller_cancelled()
    {
        using var request = Attempt(UpstreamRoute.GetFile, resendCount: 0, "files/file-a");
        Assert.False(UpstreamAttempt.TimedOut(request));
        using var timeout = new CancellationTokenSource();
        request.Options.Set(UpstreamAttempt.TimeoutKey, timeout.Token);
        Assert.False(UpstreamAttempt.TimedOut(request));
        timeout.Cancel();
        Assert.True(UpstreamAttempt.TimedOut(request));
    }

    /// <summary>A client span, as the HttpClient instrumentation starts one, under the current span if any.</summary>
    private Activity Client(string name) => _source.StartActivity(name, ActivityKind.Client)!;

    public void Dispose()
    {
        _listener.Dispose();
        _source.Dispose();
    }

    private static HttpRequestMessage Attempt(UpstreamRoute route, int resendCount, string path)
    {
        var request = new HttpRequestMessage(route.Method, new Uri(new Uri("http://127.0.0.1/v1/"), path));
        new UpstreamAttempt(route, resendCount).MarkOn(request);
        return request;
    }
}
