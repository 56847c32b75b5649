using System.Text.Json.Serialization;

namespace UploadsGrpc.Server.Upstream.Json;

/// <summary>The upstream UploadPart object.</summary>
internal sealed class UploadPartJson : IUpstreamBody
{
    [JsonRequired] public string Id { get; set; } = "";
    public string? Object { get; set; }
    [JsonConverter(typeof(UnixSecondsConverter))] public long? CreatedAt { get; set; }
    public string? UploadId { get; set; }

    public string? FindProblem() => Id.Length == 0 ? "$.id is empty" : null;
}
