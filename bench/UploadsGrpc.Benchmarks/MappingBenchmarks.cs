using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using UploadsGrpc.Server.Mapping;
using UploadsGrpc.Server.Upstream.Json;
using UploadsGrpc.V1;

namespace UploadsGrpc.Benchmarks;

/// <summary>
/// One completed Upload with its File, as the upstream returns it. <see cref="ResultOnly"/> allocates exactly
/// the result messages and nothing else; the mapping should allocate no more than it.
/// </summary>
[MemoryDiagnoser]
public class MappingBenchmarks
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""
        {"id":"upload_abc123","object":"upload","bytes":2147483648,"created_at":1719184911,"filename":"training_examples.jsonl",
         "purpose":"fine-tune","status":"completed","expires_at":1719188511,
         "file":{"id":"file-xyz321","object":"file","bytes":2147483648,"created_at":1719185911,"expires_at":null,
                 "filename":"training_examples.jsonl","purpose":"fine-tune","status":"processed","status_details":null}}
        """);

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private UnknownEnumReporter _unknown = null!;
    private UploadJson _json = null!;

    [GlobalSetup]
    public void Setup()
    {
        _unknown = new UnknownEnumReporter(NullLogger<UnknownEnumReporter>.Instance, _services.GetRequiredService<IMeterFactory>());
        _json = JsonSerializer.Deserialize(Body, UpstreamJsonContext.Default.UploadJson)!;
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    /// <summary>The floor: the Upload, its FileObject and three Timestamps, built from strings that already exist.</summary>
    [Benchmark(Baseline = true)]
    public Upload ResultOnly() => new()
    {
        Id = _json.Id,
        Object = _json.Object!,
        Bytes = _json.Bytes,
        CreatedAt = new Timestamp { Seconds = _json.CreatedAt!.Value },
        Filename = _json.Filename!,
        Purpose = FilePurpose.FineTune,
        PurposeValue = _json.Purpose!,
        Status = UploadStatus.Completed,
        StatusValue = _json.Status!,
        ExpiresAt = new Timestamp { Seconds = _json.ExpiresAt!.Value },
        File = new FileObject
        {
            Id = _json.File!.Id,
            Object = _json.File.Object!,
            Bytes = _json.File.Bytes,
            CreatedAt = new Timestamp { Seconds = _json.File.CreatedAt!.Value },
            Filename = _json.File.Filename!,
            Purpose = FilePurpose.FineTune,
            PurposeValue = _json.File.Purpose!,
        },
    };

    /// <summary>The mapper alone, from the parsed JSON object.</summary>
    [Benchmark]
    public Upload MapToUpload() => ResourceMapper.MapToUpload(_json, _unknown);

    /// <summary>What every unary RPC does with the upstream's body: source-generated parse, then map.</summary>
    [Benchmark]
    public Upload ParseAndMap() => ResourceMapper.MapToUpload(JsonSerializer.Deserialize(Body, UpstreamJsonContext.Default.UploadJson)!, _unknown);
}
