using System.Text.Json.Serialization;

namespace UploadsGrpc.Server.Upstream.Json;

/// <summary>The upstream answer of DELETE /files/{id}.</summary>
internal sealed class FileDeletedJson
{
    [JsonRequired] public string Id { get; set; } = "";
    public bool Deleted { get; set; }
}
