using System.Text.Json.Serialization;

namespace UploadsGrpc.Server.Upstream.Json;

/// <summary>The upstream File object (OpenAIFile).</summary>
internal sealed class FileJson : IUpstreamBody
{
    [JsonRequired] public string Id { get; set; } = "";
    public string? Object { get; set; }
    public long Bytes { get; set; }
    [JsonConverter(typeof(UnixSecondsConverter))] public long? CreatedAt { get; set; }
    [JsonConverter(typeof(UnixSecondsConverter))] public long? ExpiresAt { get; set; }
    public string? Filename { get; set; }
    public string? Purpose { get; set; }
    public string? Status { get; set; }
    public string? StatusDetails { get; set; }

    public string? FindProblem() =>
        Id.Length == 0 ? "$.id is empty"
        : Bytes < 0 ? "$.bytes is negative"
        : null;
}
