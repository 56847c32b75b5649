using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests;

/// <summary>
/// The service's own meter after a scripted run against the standalone emulator, read through the in-memory
/// exporter: calls by RPC and gRPC status, upstream requests by route template and HTTP status, retries, parts
/// and bytes, streams open, the memory budget, and a caller's limit. A meter provider listens to every meter of its
/// names in the process, so this class runs alone (<see cref="MeterTests"/>) and its counts are exact.
/// </summary>
[Collection(MeterTests.Name)]
public sealed class MetricsTests(EmulatorUpstream upstream) : IClassFixture<EmulatorUpstream>
{
    private const string AliceToken = "ugt-alice-Metrics0123456789abcdef012345678";
    private const string BobToken = "ugt-bob-Metrics0123456789abcdef01234567890";
    private const string CarolToken = "ugt-carol-Metrics0123456789abcdef012345678";
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task A_scripted_run_is_counted_by_RPC_and_status_by_upstream_route_and_status_with_retries_parts_streams_budget_and_limits()
    {
        var snapshots = new List<MetricSnapshot>();
        using var host = new FacadeHost(upstream.Settings(new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "ApiKeys",
            ["Auth:ApiKeys:0:Caller"] = "alice",
            ["Auth:ApiKeys:0:Sha256"] = CallersFixture.Sha256(AliceToken),
            ["Auth:ApiKeys:1:Caller"] = "bob",
            ["Auth:ApiKeys:1:Sha256"] = CallersFixture.Sha256(BobToken),
            // Carol has a key but no policy of her own: the default's limit, and a label shared by every such caller.
            ["Auth:ApiKeys:2:Caller"] = "carol",
            ["Auth:ApiKeys:2:Sha256"] = CallersFixture.Sha256(CarolToken),
            ["Callers:Named:0:Name"] = "bob",
            ["Callers:Named:0:MaxUploadBytes"] = "1000",
            ["Callers:Default:MaxUploadBytes"] = (4 * MiB).ToString(System.Globalization.CultureInfo.InvariantCulture),
        }))
        {
            // Exported only when the test flushes.
            MoreServices = services => services.ConfigureOpenTelemetryMeterProvider(metrics =>
                metrics.AddInMemoryExporter(snapshots, reader => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = int.MaxValue)),
        };
        using var alice = BearerChannel.Open(host.Address, AliceToken);
        using var bob = BearerChannel.Open(host.Address, BobToken);
        using var carol = BearerChannel.Open(host.Address, CarolToken);
        var files = new FileService.FileServiceClient(alice);
        var uploads = new UploadService.UploadServiceClient(alice);

        for (var i = 0; i < 3; i++)
        {
            await files.ListFilesAsync(new ListFilesRequest());
        }
        await RpcAssert.FailsAsync(StatusCode.NotFound, async () => await files.GetFileAsync(new GetFileRequest { FileId = "file-metrics-missing" }));
        // One 503, which the server retries.
        await upstream.Emulator.SetFaultsAsync(new { seed = 1, rules = new object[] { new { route = "list_files", count = 1, status = 503 } } });
        try
        {
            await files.ListFilesAsync(new ListFilesRequest());
        }
        finally
        {
            await upstream.Emulator.ClearFaultsAsync();
        }
        var id = (await uploads.CreateUploadAsync(Calls.ValidCreate())).Upload.Id;
        await uploads.AddUploadPartAsync(Calls.ValidPart(id));
        await uploads.CancelUploadAsync(new CancelUploadRequest { UploadId = id });
        // Bob may upload at most 1000 bytes at once: refused before anything goes upstream.
        await RpcAssert.FailsAsync(StatusCode.PermissionDenied, async () =>
            await new UploadService.UploadServiceClient(bob).CreateUploadAsync(new CreateUploadRequest(Calls.ValidCreate()) { Bytes = 5000 }));
        await RpcAssert.FailsAsync(StatusCode.PermissionDenied, async () =>
            await new UploadService.UploadServiceClient(carol).CreateUploadAsync(new CreateUploadRequest(Calls.ValidCreate()) { Bytes = 5 * MiB }));

        // An UploadFile stream open, holding its part buffers.
        using (var stream = new UploadFileCall(uploads))
        {
            await stream.WriteMetadataAsync(UploadFileTests.Metadata(2 * MiB, parallelism: 2));
            await Poll.UntilAsync(() => stream.Started is not null, TimeSpan.FromSeconds(30));
            var open = Flush(host, snapshots);
            Assert.Equal(1, Sum(open, "uploadsgrpc.server.active_streams", ("rpc.method", "UploadFile")));
            Assert.True(Sum(open, "uploadsgrpc.memory.budget.used") >= 2 * MiB, "the stream's two part buffers are reserved");
            Assert.True(Sum(open, "uploadsgrpc.memory.budget.limit") >= 2 * MiB);
            // One part fails once with a 500 and is sent again: it counts as one part, once.
            await upstream.Emulator.SetFaultsAsync(new { seed = 1, rules = new object[] { new { route = "add_part", count = 1, status = 500 } } });
            try
            {
                await stream.WriteGeneratedAsync(0, 2 * MiB);
                await stream.FinishAsync();
            }
            finally
            {
                await upstream.Emulator.ClearFaultsAsync();
            }
        }

        var all = Flush(host, snapshots);
        Assert.Equal(0, Sum(all, "uploadsgrpc.server.active_streams", ("rpc.method", "UploadFile")));
        Assert.Equal(0, Sum(all, "uploadsgrpc.memory.budget.used"));
        var calls = Counts(all, "uploadsgrpc.server.call.duration", "rpc.method", "rpc.grpc.status_code");
        Assert.Equal(new Dictionary<string, long>
        {
            ["ListFiles 0"] = 4,
            ["GetFile 5"] = 1,
            ["CreateUpload 0"] = 1,
            ["CreateUpload 7"] = 2,
            ["AddUploadPart 0"] = 1,
            ["CancelUpload 0"] = 1,
            ["UploadFile 0"] = 1,
        }, calls);
        Assert.All(Points(all, "uploadsgrpc.server.call.duration"), p => Assert.Equal("grpc", Tag(p, "rpc.system")));
        Assert.Equal(["uploadsgrpc.v1.FileService", "uploadsgrpc.v1.UploadService"],
            Points(all, "uploadsgrpc.server.call.duration").Select(p => Tag(p, "rpc.service")).Distinct().Order(StringComparer.Ordinal));

        var requests = Counts(all, "uploadsgrpc.upstream.request.duration", "http.request.method", "url.template", "http.response.status_code");
        Assert.Equal(new Dictionary<string, long>
        {
            ["GET /files 200"] = 4,
            ["GET /files 503"] = 1,
            ["GET /files/{file_id} 404"] = 1,
            // CreateUpload, and UploadFile's.
            ["POST /uploads 200"] = 2,
            // AddUploadPart's one, UploadFile's two.
            ["POST /uploads/{upload_id}/parts 200"] = 3,
            ["POST /uploads/{upload_id}/parts 500"] = 1,
            ["POST /uploads/{upload_id}/cancel 200"] = 1,
            ["POST /uploads/{upload_id}/complete 200"] = 1,
        }, requests);
        Assert.Equal(new Dictionary<string, long> { ["GET /files 503"] = 1, ["POST /uploads/{upload_id}/parts 500"] = 1 },
            Counts(all, "uploadsgrpc.upstream.retries", "http.request.method", "url.template", "error.type"));
        Assert.Equal(3, Sum(all, "uploadsgrpc.upload.parts"));
        Assert.Equal(Calls.ValidPart().Data.Length + 2 * MiB, Sum(all, "uploadsgrpc.upload.bytes"));
        Assert.Equal(new Dictionary<string, long> { ["bob upload_bytes"] = 1, ["_OTHER upload_bytes"] = 1 },
            Counts(all, "uploadsgrpc.caller.limits_hit", "uploadsgrpc.caller", "uploadsgrpc.limit"));
        Assert.Equal(0, Sum(all, "uploadsgrpc.upstream.circuit.state"));
    }

    /// <summary>Exports now; the snapshots of this export only (each is cumulative).</summary>
    private static List<MetricSnapshot> Flush(FacadeHost host, List<MetricSnapshot> snapshots)
    {
        snapshots.Clear();
        Assert.True(host.Services.GetRequiredService<MeterProvider>().ForceFlush(10_000));
        return [.. snapshots.Where(s => s.MeterName == "UploadsGrpc.Server")];
    }

    private static List<MetricPoint> Points(List<MetricSnapshot> snapshots, string name)
    {
        var points = new List<MetricPoint>();
        foreach (var snapshot in snapshots.Where(s => s.Name == name))
        {
            points.AddRange(snapshot.MetricPoints);
        }
        return points;
    }

    private static string? Tag(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key)
            {
                return Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return null;
    }

    /// <summary>The count of each combination of <paramref name="keys"/>' values: a histogram's count, a counter's sum.</summary>
    private static Dictionary<string, long> Counts(List<MetricSnapshot> snapshots, string name, params string[] keys)
    {
        var type = snapshots.First(s => s.Name == name).MetricType;
        return Points(snapshots, name)
            .GroupBy(p => string.Join(" ", keys.Select(k => Tag(p, k))))
            .Where(g => g.Sum(p => Value(p, type)) > 0)
            .ToDictionary(g => g.Key, g => g.Sum(p => Value(p, type)));
    }

    private static long Sum(List<MetricSnapshot> snapshots, string name, params (string Key, string Value)[] where)
    {
        var type = snapshots.First(s => s.Name == name).MetricType;
        return Points(snapshots, name).Where(p => where.All(w => Tag(p, w.Key) == w.Value)).Sum(p => Value(p, type));
    }

    private static long Value(MetricPoint point, MetricType type) => type switch
    {
        MetricType.Histogram => point.GetHistogramCount(),
        MetricType.LongSum or MetricType.LongSumNonMonotonic => point.GetSumLong(),
        MetricType.LongGauge => point.GetGaugeLastValueLong(),
        _ => throw new InvalidOperationException($"{type} is not read here."),
    };
}
