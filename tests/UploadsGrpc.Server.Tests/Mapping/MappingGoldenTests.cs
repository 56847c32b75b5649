using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using UploadsGrpc.Server.Mapping;
using UploadsGrpc.Server.Tests.Infrastructure;
using UploadsGrpc.Server.Upstream.Json;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Tests.Mapping;

/// <summary>
/// Golden tests of JSON → protobuf mapping, one case a file in Fixtures/Mapping: the upstream JSON (inline, or
/// a response of the real API from the recordings) and the exact message expected, in protobuf JSON.
/// </summary>
public sealed class MappingGoldenTests
{
    private static readonly string FixtureDirectory = Path.Combine(AppContext.BaseDirectory, "Fixtures", "Mapping");

    public static TheoryData<string> Cases() =>
        [.. Directory.GetFiles(FixtureDirectory, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)).Order()];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Maps_upstream_json_to_the_contract_exactly(string name)
    {
        var fixture = JsonNode.Parse(File.ReadAllText(Path.Combine(FixtureDirectory, name + ".json")))!;
        var json = fixture["json"]?.ToJsonString()
            ?? Recordings.ResponseBody(fixture["recording"]!["name"]!.GetValue<string>(), fixture["recording"]!["index"]!.GetValue<int>());
        var expectedJson = fixture["expected"]!.ToJsonString();
        using var unknown = new UnknownValues();

        IMessage actual, expected;
        switch (fixture["kind"]!.GetValue<string>())
        {
            case "upload":
                actual = ResourceMapper.MapToUpload(JsonSerializer.Deserialize(json, UpstreamJsonContext.Default.UploadJson)!, unknown.Reporter);
                expected = JsonParser.Default.Parse<Upload>(expectedJson);
                break;
            case "file":
                actual = ResourceMapper.MapToFile(JsonSerializer.Deserialize(json, UpstreamJsonContext.Default.FileJson)!, unknown.Reporter);
                expected = JsonParser.Default.Parse<FileObject>(expectedJson);
                break;
            case "part":
                actual = ResourceMapper.MapToUploadPart(JsonSerializer.Deserialize(json, UpstreamJsonContext.Default.UploadPartJson)!);
                expected = JsonParser.Default.Parse<UploadPart>(expectedJson);
                break;
            default:
                throw new InvalidDataException($"Unknown kind in {name}");
        }

        Assert.Equal(expected.ToString(), actual.ToString());
        Assert.Equal(expected, actual);
        string[] reported = [.. fixture["reported_unknown"]?.AsArray().Select(n => n!.GetValue<string>()) ?? []];
        Assert.Equal(reported.Order(), unknown.Reported.Order());
    }

    [Fact]
    public void Every_required_case_has_a_fixture()
    {
        string[] required =
        [
            "upload-pending-recorded", "upload-completed-with-file-recorded", "upload-cancelled-recorded", "upload-expired",
            "upload-part-recorded", "file-recorded", "upload-bytes-2gib", "upload-bytes-8gib-completed", "upload-null-expires-at",
            "upload-file-null", "upload-file-absent", "upload-unknown-status", "upload-unknown-purpose",
            "file-non-ascii-filename-recorded", "upload-extra-unknown-keys",
        ];
        var present = Directory.GetFiles(FixtureDirectory, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)).ToHashSet();
        Assert.All(required, name => Assert.Contains(name, present));
    }

    /// <summary>A reporter on its own meter, and what it counted.</summary>
    private sealed class UnknownValues : IDisposable
    {
        private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        private readonly MeterListener _listener = new();

        public UnknownValues()
        {
            var meters = _services.GetRequiredService<IMeterFactory>();
            Reporter = new UnknownEnumReporter(NullLogger<UnknownEnumReporter>.Instance, meters);
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Scope == meters)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                var field = tags.ToArray().Single(t => t.Key == "field").Value;
                var raw = tags.ToArray().Single(t => t.Key == "value").Value;
                for (var i = 0; i < value; i++)
                {
                    Reported.Add($"{field}={raw}");
                }
            });
            _listener.Start();
        }

        public UnknownEnumReporter Reporter { get; }

        public List<string> Reported { get; } = [];

        public void Dispose()
        {
            _listener.Dispose();
            _services.Dispose();
        }
    }
}
