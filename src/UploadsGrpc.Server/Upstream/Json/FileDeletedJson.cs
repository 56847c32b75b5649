using System.Text.Json.Serialization;

namespace UploadsGrpc.Server.Upstream.Json;

/// <summary>The upstream answer of DELETE /files/{id}.</summary>
internal sealed class FileDeletedJson : IUpstreamBody
{
    [JsonRequired] public string Id { get; set; } = "";
    public bool Deleted { get; set; }

    public string? FindProblem() => Id.Length == 0 ? "$.id is empty" : null;
}
