using System.Text.Json.Serialization;

namespace UploadsGrpc.Emulator.Json;

// Field order is the real API's, as recorded. Null values are left out (see EmulatorJsonContext) except
// where the published contract requires the key.

public sealed record UploadJson(
    [property: JsonPropertyOrder(-2)] string Id,
    long Bytes,
    long CreatedAt,
    string Filename,
    string Purpose,
    string Status,
    long ExpiresAt,
    FileJson? File)
{
    [JsonPropertyOrder(-1)]
    [JsonPropertyName("object")]
    public string ObjectType => "upload";
}

public sealed record FileJson(
    string Id,
    string Purpose,
    string Filename,
    long Bytes,
    long CreatedAt,
    long? ExpiresAt)
{
    [JsonPropertyOrder(-2)]
    [JsonPropertyName("object")]
    public string ObjectType => "file";

    /// <summary>Deprecated upstream, and always <c>processed</c> once a file exists.</summary>
    [JsonPropertyOrder(1)]
    public string Status => "processed";
}

public sealed record UploadPartJson([property: JsonPropertyOrder(-2)] string Id, long CreatedAt, string UploadId)
{
    [JsonPropertyOrder(-1)]
    [JsonPropertyName("object")]
    public string ObjectType => "upload.part";
}

public sealed record FileListJson(
    IReadOnlyList<FileJson> Data,
    bool HasMore,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FirstId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? LastId)
{
    [JsonPropertyOrder(-1)]
    [JsonPropertyName("object")]
    public string ObjectType => "list";
}

public sealed record DeletedFileJson(bool Deleted, string Id)
{
    [JsonPropertyOrder(-1)]
    [JsonPropertyName("object")]
    public string ObjectType => "file";
}
