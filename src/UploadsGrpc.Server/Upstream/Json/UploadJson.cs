using System.Text.Json.Serialization;

namespace UploadsGrpc.Server.Upstream.Json;

/// <summary>The upstream Upload object. Nullable where the upstream may send null or nothing.</summary>
internal sealed class UploadJson : IUpstreamBody
{
    [JsonRequired] public string Id { get; set; } = "";
    public string? Object { get; set; }
    public long Bytes { get; set; }
    [JsonConverter(typeof(UnixSecondsConverter))] public long? CreatedAt { get; set; }
    public string? Filename { get; set; }
    public string? Purpose { get; set; }
    public string? Status { get; set; }
    [JsonConverter(typeof(UnixSecondsConverter))] public long? ExpiresAt { get; set; }
    public FileJson? File { get; set; }

    public string? FindProblem() =>
        Id.Length == 0 ? "$.id is empty"
        : Bytes < 0 ? "$.bytes is negative"
        : File?.FindProblem() is { } problem ? problem.Replace("$.", "$.file.", StringComparison.Ordinal)
        : null;
}
