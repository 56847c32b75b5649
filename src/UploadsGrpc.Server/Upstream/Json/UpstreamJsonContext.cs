using System.Text.Json.Serialization;

namespace UploadsGrpc.Server.Upstream.Json;

/// <summary>Source-generated (reflection-free, trimming-safe) JSON for every upstream body.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(UploadJson))]
[JsonSerializable(typeof(UploadPartJson))]
[JsonSerializable(typeof(FileJson))]
[JsonSerializable(typeof(FileListJson))]
[JsonSerializable(typeof(FileDeletedJson))]
[JsonSerializable(typeof(CreateUploadBody))]
[JsonSerializable(typeof(CompleteUploadBody))]
internal sealed partial class UpstreamJsonContext : JsonSerializerContext;
