using System.Text.Json.Serialization;

namespace UploadsGrpc.Server.Upstream.Json;

/// <summary>The upstream UploadPart object.</summary>
internal sealed class UploadPartJson
{
    [JsonRequired] public string Id { get; set; } = "";
    public string? Object { get; set; }
    public long? CreatedAt { get; set; }
    public string? UploadId { get; set; }
}
