using Google.Protobuf.Collections;
using Grpc.Core;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.FunctionalTests.Otlp;
using UploadsGrpc.V1;
using OtlpStatus = UploadsGrpc.FunctionalTests.Otlp.Status;

namespace UploadsGrpc.FunctionalTests;

/// <summary>
/// OTLP as an operator turns it on: the server process with OTEL_EXPORTER_OTLP_ENDPOINT set and nothing else of
/// the service's own, against the standalone emulator, exporting by OTLP/HTTP protobuf to a receiver in the test
/// (there is no collector here), which decodes and counts what came: each call's server span and its upstream
/// attempts' client spans in one trace, the call and upstream histograms, the audit log line in the call's trace,
/// and nowhere the OpenAI key.
/// </summary>
public sealed class OtlpTests : IAsyncLifetime
{
    private const string ServiceKey = "sk-test-otlp-service-0123456789abcdefghij";
    private const string ServiceName = "uploadsgrpc-otlp-test";
    private const string MissingFile = "file-otlp-missing";
    private const string MissingUpload = "upload_otlp_missing";

    private OtlpReceiver _receiver = null!;
    private EmulatorProcess _emulator = null!;

    public async Task InitializeAsync()
    {
        _receiver = await OtlpReceiver.StartAsync();
        _emulator = await EmulatorProcess.StartAsync();
    }

    [Fact]
    public async Task With_only_the_traces_endpoint_set_spans_reach_it_and_no_other_signal_is_sent()
    {
        using var server = await ServerProcess.Start("Production", new Dictionary<string, string>
        {
            ["OPENAI_BASE_URL"] = _emulator.ApiBase.AbsoluteUri,
            ["OPENAI_API_KEY"] = ServiceKey,
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = new Uri(_receiver.Endpoint, "v1/traces").AbsoluteUri,
            ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
        }).ReadyAsync();

        await server.Files.ListFilesAsync(new ListFilesRequest());
        await Poll.UntilAsync(() => ServerSpans().Count >= 1 && ClientSpans().Count >= 1, TimeSpan.FromSeconds(30));
        // Metrics export every 500 ms and logs every 200 ms when they have an exporter: a few of their intervals pass.
        await Task.Delay(TimeSpan.FromSeconds(2));

        Assert.Empty(_receiver.Refusals);
        Assert.Equal(["/v1/traces"], _receiver.Exports.Select(e => e.Path).Distinct());
        var span = Assert.Single(_receiver.Spans, s => s.Span.Kind == Span.Types.SpanKind.Server);
        Assert.Equal("uploadsgrpc.v1.FileService/ListFiles", span.Span.Name);
        Assert.Equal("uploadsgrpc", Text(span.Resource.Attributes, "service.name"));
        Assert.False(string.IsNullOrEmpty(Text(span.Resource.Attributes, "service.instance.id")));
        Assert.Equal("GET /files", Assert.Single(ClientSpans()).Name);
    }

    [Fact]
    public async Task With_the_OTLP_endpoint_set_spans_metrics_and_logs_reach_the_receiver_as_the_calls_made_them()
    {
        using var server = await ServerProcess.Start("Production", new Dictionary<string, string>
        {
            ["OPENAI_BASE_URL"] = _emulator.ApiBase.AbsoluteUri,
            ["OPENAI_API_KEY"] = ServiceKey,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = _receiver.Endpoint.AbsoluteUri.TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = ServiceName,
            // Short intervals, so the test waits for seconds rather than the defaults' minute.
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
            // Everything the server and the framework would log goes out too, so the key scan below covers them.
            ["Logging__LogLevel__Default"] = "Trace",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Trace",
        }).ReadyAsync();

        for (var i = 0; i < 3; i++)
        {
            await server.Files.ListFilesAsync(new ListFilesRequest());
        }
        await RpcAssert.FailsAsync(StatusCode.NotFound,
            () => server.Files.GetFileAsync(new GetFileRequest { FileId = MissingFile }).ResponseAsync);
        await RpcAssert.FailsAsync(StatusCode.NotFound,
            () => server.Uploads.CancelUploadAsync(new CancelUploadRequest { UploadId = MissingUpload }).ResponseAsync);

        // Each signal is exported on its own schedule; wait until all of them show every call, then assert exactly.
        await Poll.UntilAsync(() =>
                ServerSpans().Count >= 5 && ClientSpans().Count >= 5 && CancelAudits().Any()
                && LatestCount("uploadsgrpc.server.call.duration") >= 5 && LatestCount("uploadsgrpc.upstream.request.duration") >= 5,
            TimeSpan.FromSeconds(30));

        Assert.Empty(_receiver.Refusals);
        Assert.All(_receiver.Exports, export => Assert.Equal("application/x-protobuf", export.ContentType));
        Assert.Equal(["/v1/logs", "/v1/metrics", "/v1/traces"],
            _receiver.Exports.Select(e => e.Path).Distinct().Order(StringComparer.Ordinal));

        // Traces: the five calls' server spans, named and labelled by the RPC conventions, each with its one upstream attempt.
        var spans = _receiver.Spans;
        Assert.Equal(10, spans.Count);
        Assert.All(spans, span => Assert.Equal(ServiceName, Text(span.Resource.Attributes, "service.name")));
        var servers = ServerSpans();
        Assert.Equal(
            ["uploadsgrpc.v1.FileService/GetFile", "uploadsgrpc.v1.FileService/ListFiles", "uploadsgrpc.v1.FileService/ListFiles",
                "uploadsgrpc.v1.FileService/ListFiles", "uploadsgrpc.v1.UploadService/CancelUpload"],
            servers.Select(s => s.Name).Order(StringComparer.Ordinal));
        var clients = ClientSpans();
        Assert.Equal(5, clients.Count);
        foreach (var call in servers)
        {
            Assert.Equal("grpc", Text(call.Attributes, "rpc.system"));
            Assert.Equal(call.Name, $"{Text(call.Attributes, "rpc.service")}/{Text(call.Attributes, "rpc.method")}");
            // NOT_FOUND is the caller's to fix, not the server's failure: the span's status stays unset.
            Assert.Equal(OtlpStatus.Types.StatusCode.Unset, call.Status?.Code ?? OtlpStatus.Types.StatusCode.Unset);
            Assert.Equal("", call.Status?.Message ?? "");
            Assert.Equal(16, call.TraceId.Length);
            Assert.Equal(8, call.SpanId.Length);
            var attempt = Assert.Single(clients, c => c.ParentSpanId == call.SpanId);
            Assert.Equal(call.TraceId, attempt.TraceId);
            Assert.True(attempt.StartTimeUnixNano >= call.StartTimeUnixNano && attempt.EndTimeUnixNano <= call.EndTimeUnixNano,
                $"{attempt.Name} is not within {call.Name}.");
            Assert.StartsWith("req_", Text(attempt.Attributes, "uploadsgrpc.upstream.request_id"), StringComparison.Ordinal);
            Assert.Equal(Text(attempt.Attributes, "uploadsgrpc.upstream.request_id"),
                Text(call.Attributes, "uploadsgrpc.upstream.request_id"));
        }
        // Each call is a trace of its own.
        Assert.Equal(5, servers.Select(s => s.TraceId).Distinct().Count());

        foreach (var list in servers.Where(s => s.Name == "uploadsgrpc.v1.FileService/ListFiles"))
        {
            Assert.Equal(0, Int(list.Attributes, "rpc.grpc.status_code"));
            Assert.Null(Attribute(list.Attributes, "error.type"));
            var attempt = clients.Single(c => c.ParentSpanId == list.SpanId);
            Assert.Equal(("GET /files", "/files", 200L, "GET"),
                (attempt.Name, Text(attempt.Attributes, "url.template"), Int(attempt.Attributes, "http.response.status_code"),
                    Text(attempt.Attributes, "http.request.method")));
        }

        var get = servers.Single(s => s.Name == "uploadsgrpc.v1.FileService/GetFile");
        Assert.Equal(("uploadsgrpc.v1.FileService", "GetFile", 5L, "NOT_FOUND", MissingFile),
            (Text(get.Attributes, "rpc.service"), Text(get.Attributes, "rpc.method"), Int(get.Attributes, "rpc.grpc.status_code"),
                Text(get.Attributes, "error.type"), Text(get.Attributes, "uploadsgrpc.file.id")));
        var getAttempt = clients.Single(c => c.Name == "GET /files/{file_id}");
        Assert.Equal(get.TraceId, getAttempt.TraceId);
        Assert.Equal(get.SpanId, getAttempt.ParentSpanId);
        Assert.Equal(("/files/{file_id}", 404L, "GET"),
            (Text(getAttempt.Attributes, "url.template"), Int(getAttempt.Attributes, "http.response.status_code"),
                Text(getAttempt.Attributes, "http.request.method")));

        var cancel = servers.Single(s => s.Name == "uploadsgrpc.v1.UploadService/CancelUpload");
        Assert.Equal(("uploadsgrpc.v1.UploadService", "CancelUpload", 5L, "NOT_FOUND", MissingUpload),
            (Text(cancel.Attributes, "rpc.service"), Text(cancel.Attributes, "rpc.method"), Int(cancel.Attributes, "rpc.grpc.status_code"),
                Text(cancel.Attributes, "error.type"), Text(cancel.Attributes, "uploadsgrpc.upload.id")));
        var cancelAttempt = clients.Single(c => c.Name == "POST /uploads/{upload_id}/cancel");
        Assert.Equal((cancel.TraceId, cancel.SpanId), (cancelAttempt.TraceId, cancelAttempt.ParentSpanId));
        Assert.Equal(("/uploads/{upload_id}/cancel", 404L, "POST"),
            (Text(cancelAttempt.Attributes, "url.template"), Int(cancelAttempt.Attributes, "http.response.status_code"),
                Text(cancelAttempt.Attributes, "http.request.method")));

        // Metrics: cumulative, so the latest export holds every series' total; exactly the calls made, each once.
        var latest = LatestExportOf("uploadsgrpc.server.call.duration");
        Assert.All(latest.ResourceMetrics, resource => Assert.Equal(ServiceName, Text(resource.Resource.Attributes, "service.name")));
        var duration = MetricIn(latest, "uploadsgrpc.server.call.duration");
        Assert.Equal(("s", Metric.DataOneofCase.Histogram, AggregationTemporality.Cumulative),
            (duration.Unit, duration.DataCase, duration.Histogram.AggregationTemporality));
        Assert.Equal(
            [
                "uploadsgrpc.v1.FileService/GetFile 5: 1", "uploadsgrpc.v1.FileService/ListFiles 0: 3",
                "uploadsgrpc.v1.UploadService/CancelUpload 5: 1",
            ],
            duration.Histogram.DataPoints
                .Select(p => $"{Text(p.Attributes, "rpc.service")}/{Text(p.Attributes, "rpc.method")} "
                    + $"{Int(p.Attributes, "rpc.grpc.status_code")}: {p.Count}")
                .Order(StringComparer.Ordinal));
        Assert.All(duration.Histogram.DataPoints, p =>
        {
            Assert.Equal("grpc", Text(p.Attributes, "rpc.system"));
            Assert.Equal(p.Count, p.BucketCounts.Aggregate(0UL, (sum, n) => sum + n));
            Assert.True(p.Sum > 0, $"{Text(p.Attributes, "rpc.method")} took no time.");
        });
        var upstream = MetricIn(LatestExportOf("uploadsgrpc.upstream.request.duration"), "uploadsgrpc.upstream.request.duration");
        Assert.Equal(
            ["GET /files 200: 3", "GET /files/{file_id} 404: 1", "POST /uploads/{upload_id}/cancel 404: 1"],
            upstream.Histogram.DataPoints
                .Select(p => $"{Text(p.Attributes, "http.request.method")} {Text(p.Attributes, "url.template")} "
                    + $"{Int(p.Attributes, "http.response.status_code")}: {p.Count}")
                .Order(StringComparer.Ordinal));

        // Logs: the audit line of the mutating call, in the call's trace and span.
        Assert.All(_receiver.Logs.SelectMany(e => e.ResourceLogs),
            resource => Assert.Equal(ServiceName, Text(resource.Resource.Attributes, "service.name")));
        var audit = Assert.Single(CancelAudits());
        Assert.Equal((cancel.TraceId, cancel.SpanId), (audit.TraceId, audit.SpanId));
        Assert.Equal(("NotFound", MissingUpload), (Text(audit.Attributes, "Status"), Text(audit.Attributes, "UploadId")));

        // The key the server sends upstream is in no span, metric or log line it exported, decoded or not.
        Assert.False(_receiver.AnyBodyContains(ServiceKey), "An OTLP export holds the OpenAI key.");
        Assert.False(_receiver.AnyBodyContains(ServiceKey[8..]), "An OTLP export holds part of the OpenAI key.");
    }

    private List<Span> ServerSpans() => [.. _receiver.Spans.Select(s => s.Span).Where(s => s.Kind == Span.Types.SpanKind.Server)];

    private List<Span> ClientSpans() => [.. _receiver.Spans.Select(s => s.Span).Where(s => s.Kind == Span.Types.SpanKind.Client)];

    private IEnumerable<LogRecord> CancelAudits() =>
        _receiver.LogRecords("UploadsGrpc.Audit").Where(r => Text(r.Attributes, "Rpc") == "/uploadsgrpc.v1.UploadService/CancelUpload");

    /// <summary>The histogram's count over all its series in the latest export that has it; 0 before one came.</summary>
    private ulong LatestCount(string histogram) =>
        _receiver.Metrics.LastOrDefault(e => Metrics(e).Any(m => m.Name == histogram)) is { } export
            ? MetricIn(export, histogram).Histogram.DataPoints.Aggregate(0UL, (sum, point) => sum + point.Count)
            : 0;

    private ExportMetricsServiceRequest LatestExportOf(string metric) => _receiver.Metrics.Last(e => Metrics(e).Any(m => m.Name == metric));

    private static IEnumerable<Metric> Metrics(ExportMetricsServiceRequest export) =>
        export.ResourceMetrics.SelectMany(r => r.ScopeMetrics).SelectMany(s => s.Metrics);

    private static Metric MetricIn(ExportMetricsServiceRequest export, string name) => Assert.Single(Metrics(export), m => m.Name == name);

    private static AnyValue? Attribute(RepeatedField<KeyValue> attributes, string key) =>
        attributes.SingleOrDefault(a => a.Key == key)?.Value;

    /// <summary>A string attribute's value; null when there is none; another type's value shown so it compares unequal.</summary>
    private static string? Text(RepeatedField<KeyValue> attributes, string key) => Attribute(attributes, key) switch
    {
        null => null,
        { ValueCase: AnyValue.ValueOneofCase.StringValue } value => value.StringValue,
        var value => $"<{value.ValueCase}: {value}>",
    };

    /// <summary>An integer attribute's value; null when there is none, and a value of another type fails the test.</summary>
    private static long? Int(RepeatedField<KeyValue> attributes, string key) => Attribute(attributes, key) switch
    {
        null => null,
        { ValueCase: AnyValue.ValueOneofCase.IntValue } value => value.IntValue,
        var value => throw new Xunit.Sdk.XunitException($"{key} is {value.ValueCase}: {value}, not an integer."),
    };

    public async Task DisposeAsync()
    {
        _emulator.Dispose();
        await _receiver.DisposeAsync();
    }
}
