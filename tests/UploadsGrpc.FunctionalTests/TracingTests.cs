using System.Diagnostics;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.Server.Hosting;
using UploadsGrpc.V1;
using StatusCode = Grpc.Core.StatusCode;

namespace UploadsGrpc.FunctionalTests;

/// <summary>
/// The spans an operator's tracing backend receives, through the in-memory exporter: one server span a call with
/// the RPC conventions' attributes and its gRPC status, a child span for each upstream attempt named by its route
/// template, and the W3C traceparent that reaches the standalone emulator on its real socket. Spans of other
/// tests' hosts in this process may be recorded too (activity listeners are process-wide), so each test finds
/// its own by the ids only its calls have.
/// </summary>
public sealed class TracingTests : IClassFixture<EmulatorUpstream>, IDisposable
{
    private const string AliceToken = "ugt-alice-Tracing0123456789abcdef01234567";
    private const int MiB = 1024 * 1024;

    private readonly EmulatorUpstream _upstream;
    private readonly SpanRecorder _spans = new();
    private readonly FacadeHost _host;
    private GrpcChannel? _channel;

    public TracingTests(EmulatorUpstream upstream)
    {
        _upstream = upstream;
        _host = new FacadeHost(upstream.Settings(new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "ApiKeys",
            ["Auth:ApiKeys:0:Caller"] = "alice",
            ["Auth:ApiKeys:0:Sha256"] = CallersFixture.Sha256(AliceToken),
        }))
        {
            // Tracing as the server sets it up when an exporter is configured (OTEL_EXPORTER_OTLP_ENDPOINT or
            // Telemetry:Traces), read before the host is built; a test host's settings arrive only after that.
            MoreServices = services => services.AddOpenTelemetry().WithTracing(tracing => TelemetryExtensions.ConfigureTracing(tracing).AddProcessor(_spans)),
        };
    }

    private GrpcChannel Channel => _channel ??= BearerChannel.Open(_host.Address, AliceToken);

    private UploadService.UploadServiceClient Uploads => new(Channel);

    private FileService.FileServiceClient Files => new(Channel);

    [Fact]
    public async Task CancelUpload_is_one_server_span_with_its_status_and_a_child_span_for_the_upstream_request_whose_traceparent_reaches_the_emulator()
    {
        var uploads = Uploads;
        var id = (await uploads.CreateUploadAsync(Calls.ValidCreate())).Upload.Id;
        var call = uploads.CancelUploadAsync(new CancelUploadRequest { UploadId = id });
        await call.ResponseAsync;
        var requestId = call.GetTrailers().GetValue("x-request-id");
        Assert.StartsWith("req_", requestId, StringComparison.Ordinal);

        var server = await ServerSpanAsync("uploadsgrpc.v1.UploadService/CancelUpload", TelemetryIds.Upload, id);
        Assert.Equal(ActivityKind.Server, server.Kind);
        Assert.Equal("grpc", server.GetTagItem("rpc.system"));
        Assert.Equal("uploadsgrpc.v1.UploadService", server.GetTagItem("rpc.service"));
        Assert.Equal("CancelUpload", server.GetTagItem("rpc.method"));
        Assert.Equal(0, server.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal("alice", server.GetTagItem("uploadsgrpc.caller"));
        Assert.Equal(requestId, server.GetTagItem("uploadsgrpc.upstream.request_id"));
        Assert.Equal(ActivityStatusCode.Unset, server.Status);

        var upstream = Assert.Single(ChildrenOf(server));
        Assert.Equal(ActivityKind.Client, upstream.Kind);
        Assert.Equal("POST /uploads/{upload_id}/cancel", upstream.DisplayName);
        Assert.DoesNotContain(id, upstream.DisplayName, StringComparison.Ordinal);
        Assert.Equal("POST", upstream.GetTagItem("http.request.method"));
        Assert.Equal("/uploads/{upload_id}/cancel", upstream.GetTagItem("url.template"));
        Assert.Equal(200, upstream.GetTagItem("http.response.status_code"));
        Assert.Equal(requestId, upstream.GetTagItem("uploadsgrpc.upstream.request_id"));
        Assert.Null(upstream.GetTagItem("http.request.resend_count"));

        // The emulator got the client span's context: same trace, the client span as its parent.
        var recorded = await RecordedAsync($"/v1/uploads/{id}/cancel");
        Assert.Equal($"00-{server.TraceId}-{upstream.SpanId}-01", recorded.GetProperty("traceparent").GetString());
    }

    [Fact]
    public async Task UploadFile_has_a_span_for_each_part_attempt_and_a_retried_part_shows_its_resend_count()
    {
        // The first part request fails once with a 500; the server sends it again.
        await _upstream.Emulator.SetFaultsAsync(new { seed = 1, rules = new object[] { new { route = "add_part", count = 1, status = 500 } } });
        try
        {
            const long bytes = 3 * MiB;
            using var call = new UploadFileCall(Uploads);
            await call.WriteMetadataAsync(UploadFileTests.Metadata(bytes, parallelism: 1));
            await call.WriteGeneratedAsync(0, bytes);
            var completed = await call.FinishAsync();
            var id = completed.Upload.Id;

            var server = await ServerSpanAsync("uploadsgrpc.v1.UploadService/UploadFile", TelemetryIds.Upload, id);
            Assert.Equal(0, server.GetTagItem("rpc.grpc.status_code"));
            Assert.Equal(completed.Upload.File.Id, server.GetTagItem("uploadsgrpc.file.id"));
            var children = ChildrenOf(server);
            var parts = children.Where(s => s.DisplayName == "POST /uploads/{upload_id}/parts").ToList();
            // Three parts, one of them sent twice.
            Assert.Equal(4, parts.Count);
            var failed = Assert.Single(parts, s => Equals(s.GetTagItem("http.response.status_code"), 500));
            Assert.Null(failed.GetTagItem("http.request.resend_count"));
            var resent = Assert.Single(parts, s => s.GetTagItem("http.request.resend_count") is not null);
            Assert.Equal(1, resent.GetTagItem("http.request.resend_count"));
            Assert.Equal(200, resent.GetTagItem("http.response.status_code"));
            Assert.Equal(3, parts.Count(s => Equals(s.GetTagItem("http.response.status_code"), 200)));
            Assert.Single(children, s => s.DisplayName == "POST /uploads");
            Assert.Single(children, s => s.DisplayName == "POST /uploads/{upload_id}/complete");
        }
        finally
        {
            await _upstream.Emulator.ClearFaultsAsync();
        }
    }

    [Fact]
    public async Task CreateFile_is_one_server_span_that_carries_the_new_files_id_with_one_child_for_its_upstream_post()
    {
        var content = "{\"custom_id\": \"1\"}\n"u8.ToArray();
        using var call = Files.CreateFile();
        await call.RequestStream.WriteAsync(new CreateFileRequest
        {
            Metadata = new CreateFileMetadata { Filename = "traced.jsonl", Purpose = FilePurpose.Batch, Bytes = content.Length, MimeType = "application/jsonl" },
        });
        await call.RequestStream.WriteAsync(new CreateFileRequest { Chunk = ByteString.CopyFrom(content) });
        await call.RequestStream.CompleteAsync();
        var file = (await call).File;

        // The id exists only once the upstream has answered: the span gets it from the response message.
        var server = await ServerSpanAsync("uploadsgrpc.v1.FileService/CreateFile", TelemetryIds.File, file.Id);
        Assert.Equal(0, server.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal("CreateFile", server.GetTagItem("rpc.method"));
        Assert.Equal("alice", server.GetTagItem("uploadsgrpc.caller"));
        var upstream = Assert.Single(ChildrenOf(server));
        Assert.Equal("POST /files", upstream.DisplayName);
        Assert.Equal("/files", upstream.GetTagItem("url.template"));
        Assert.Equal(200, upstream.GetTagItem("http.response.status_code"));
    }

    [Fact]
    public async Task A_failed_call_span_carries_its_status_and_reason_and_never_the_key_or_the_callers_token()
    {
        var missing = "file-tracing-missing-" + Guid.NewGuid().ToString("N");
        await RpcAssert.FailsAsync(StatusCode.NotFound, async () => await Files.GetFileAsync(new GetFileRequest { FileId = missing }));
        var notFound = await ServerSpanAsync("uploadsgrpc.v1.FileService/GetFile", TelemetryIds.File, missing);
        Assert.Equal(5, notFound.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal("NOT_FOUND", notFound.GetTagItem("error.type"));
        Assert.Equal("INVALID_REQUEST_ERROR", notFound.GetTagItem("uploadsgrpc.error.reason"));
        // NOT_FOUND is the caller's answer, not the server's failure: the conventions leave the span's status unset.
        Assert.Equal(ActivityStatusCode.Unset, notFound.Status);
        Assert.Equal(404, Assert.Single(ChildrenOf(notFound)).GetTagItem("http.response.status_code"));

        // An upstream 500 that says not to retry: the server's failure, so the span is in error, with the client's message.
        var broken = "file-tracing-broken-" + Guid.NewGuid().ToString("N");
        await _upstream.Emulator.SetFaultsAsync(new
        {
            seed = 1,
            rules = new object[] { new { route = "get_file", count = 1, status = 500, should_retry = false, message = $"boom near {FacadeHost.ApiKey}" } },
        });
        RpcException failure;
        try
        {
            failure = await Assert.ThrowsAsync<RpcException>(async () => await Files.GetFileAsync(new GetFileRequest { FileId = broken }));
        }
        finally
        {
            await _upstream.Emulator.ClearFaultsAsync();
        }
        var error = await ServerSpanAsync("uploadsgrpc.v1.FileService/GetFile", TelemetryIds.File, broken);
        Assert.Equal((int)failure.StatusCode, error.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Error, error.Status);
        Assert.Equal(failure.Status.Detail, error.StatusDescription);
        Assert.Equal(RpcAssert.ErrorInfo(failure).Reason, error.GetTagItem("uploadsgrpc.error.reason"));

        foreach (var span in (Activity[])[notFound, error, .. ChildrenOf(notFound), .. ChildrenOf(error)])
        {
            var text = string.Join("\n", [span.DisplayName, span.StatusDescription ?? "",
                .. span.TagObjects.Select(tag => $"{tag.Key}={tag.Value}"),
                .. span.Events.SelectMany(e => e.Tags.Select(tag => $"{e.Name} {tag.Key}={tag.Value}"))]);
            Assert.DoesNotContain(FacadeHost.ApiKey, text, StringComparison.Ordinal);
            Assert.DoesNotContain(AliceToken, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Health_checks_and_the_idle_time_upstream_probe_start_no_trace()
    {
        var recorder = new SpanRecorder();
        using var probing = new FacadeHost(_upstream.Settings(new Dictionary<string, string?>
        {
            ["Health:UpstreamProbeInterval"] = "00:00:01",
            ["Health:UpstreamProbeTimeout"] = "00:00:01",
        }))
        {
            MoreServices = services => services.AddOpenTelemetry().WithTracing(tracing => TelemetryExtensions.ConfigureTracing(tracing).AddProcessor(recorder)),
        };
        var health = new Grpc.Health.V1.Health.HealthClient(probing.Channel);
        var before = await _upstream.RequestTotalAsync();
        for (var i = 0; i < 3; i++)
        {
            await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest { Service = "" });
        }
        // At least two probes (GET /files?limit=1) reach the emulator.
        await Poll.UntilAsync(async () => await _upstream.RequestTotalAsync() - before >= 2, TimeSpan.FromSeconds(30));
        await new FileService.FileServiceClient(probing.Channel).ListFilesAsync(new ListFilesRequest());
        await Poll.UntilAsync(() => recorder.Snapshot().Any(s => s.DisplayName == "uploadsgrpc.v1.FileService/ListFiles"), TimeSpan.FromSeconds(30));

        var spans = recorder.Snapshot();
        Assert.DoesNotContain(spans, s => s.DisplayName.StartsWith("grpc.health.v1.Health", StringComparison.Ordinal));
        // Every upstream span recorded belongs to a call.
        Assert.All(spans.Where(s => s.Kind == ActivityKind.Client), s => Assert.NotEqual(default, s.ParentSpanId));
    }

    private async Task<Activity> ServerSpanAsync(string name, string idTag, string id)
    {
        Activity? found = null;
        try
        {
            await Poll.UntilAsync(() => (found = Snapshot().FirstOrDefault(s => s.DisplayName == name && Equals(s.GetTagItem(idTag), id))) is not null,
                TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            // What was recorded instead, so a failure says why.
            Assert.Fail($"No span {name} with {idTag}={id}; recorded: " + string.Join("; ", Snapshot().Select(s => $"{s.DisplayName} [{string.Join(", ", s.TagObjects.Select(t => $"{t.Key}={t.Value}"))}]")));
        }
        // The children end before their parent does.
        return found!;
    }

    private List<Activity> ChildrenOf(Activity parent) =>
        [.. Snapshot().Where(s => s.TraceId == parent.TraceId && s.ParentSpanId == parent.SpanId).OrderBy(s => s.StartTimeUtc)];

    private List<Activity> Snapshot() => _spans.Snapshot();

    private async Task<JsonElement> RecordedAsync(string path)
    {
        var log = JsonDocument.Parse(await _upstream.Emulator.Http.GetStringAsync("_admin/requests")).RootElement;
        return log.GetProperty("recent").EnumerateArray().Last(r => r.GetProperty("path").GetString() == path);
    }

    public void Dispose()
    {
        _channel?.Dispose();
        _host.Dispose();
    }

    private static class TelemetryIds
    {
        public const string Upload = "uploadsgrpc.upload.id";
        public const string File = "uploadsgrpc.file.id";
    }
}
