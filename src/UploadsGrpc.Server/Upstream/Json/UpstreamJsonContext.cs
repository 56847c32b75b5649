using System.Text.Json.Serialization;

namespace UploadsGrpc.Server.Upstream.Json;

/// <summary>
/// Source-generated (reflection-free, trimming-safe) JSON for every upstream body. The upstream is not trusted to
/// keep its promises: a null where the type says none (an id, a list) and a key given twice are refused as
/// JsonException, which the client reports as UPSTREAM_INVALID_RESPONSE, rather than reaching the mapping as a null.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowDuplicateProperties = false)]
[JsonSerializable(typeof(UploadJson))]
[JsonSerializable(typeof(UploadPartJson))]
[JsonSerializable(typeof(FileJson))]
[JsonSerializable(typeof(FileListJson))]
[JsonSerializable(typeof(FileDeletedJson))]
[JsonSerializable(typeof(CreateUploadBody))]
[JsonSerializable(typeof(CompleteUploadBody))]
internal sealed partial class UpstreamJsonContext : JsonSerializerContext;
