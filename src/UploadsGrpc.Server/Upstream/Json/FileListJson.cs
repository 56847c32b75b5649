using System.Text.Json.Serialization;

namespace UploadsGrpc.Server.Upstream.Json;

/// <summary>The upstream answer of GET /files: a page of files and whether more follow.</summary>
internal sealed class FileListJson
{
    [JsonRequired] public List<FileJson> Data { get; set; } = [];
    public bool HasMore { get; set; }
    public string? FirstId { get; set; }
    public string? LastId { get; set; }
}
