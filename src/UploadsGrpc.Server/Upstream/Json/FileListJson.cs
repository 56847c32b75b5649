using System.Text.Json.Serialization;

namespace UploadsGrpc.Server.Upstream.Json;

/// <summary>The upstream answer of GET /files: a page of files and whether more follow.</summary>
internal sealed class FileListJson : IUpstreamBody
{
    [JsonRequired] public List<FileJson> Data { get; set; } = [];
    public bool HasMore { get; set; }
    public string? FirstId { get; set; }
    public string? LastId { get; set; }

    public string? FindProblem()
    {
        for (var i = 0; i < Data.Count; i++)
        {
            // Nullable annotations are not checked on a list's elements: a null here would reach the mapping.
            if (Data[i] is not { } file)
            {
                return $"$.data[{i}] is null";
            }
            if (file.FindProblem() is { } problem)
            {
                return problem.Replace("$.", $"$.data[{i}].", StringComparison.Ordinal);
            }
        }
        return null;
    }
}
