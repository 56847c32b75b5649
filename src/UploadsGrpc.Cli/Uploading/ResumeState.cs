using System.Text.Json;
using System.Text.Json.Serialization;

namespace UploadsGrpc.Cli.Uploading;

/// <summary>
/// What a resumable upload needs to continue in another process: the upload, the file it came from, and the parts
/// the server reported committed. Written next to the file after every part, deleted when the upload ends.
/// </summary>
internal sealed class ResumeState
{
    public string UploadId { get; set; } = "";
    public long Bytes { get; set; }
    public int PartSize { get; set; }
    public List<CommittedPartState> Parts { get; set; } = [];

    public static string DefaultPathFor(string file) => file + ".uploadsgrpc.json";

    public static ResumeState Load(string path) =>
        JsonSerializer.Deserialize(File.ReadAllText(path), ResumeStateJson.Default.ResumeState)
            ?? throw new InvalidDataException($"{path} holds no resume state.");

    public void Save(string path)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, ResumeStateJson.Default.ResumeState));
        // Replaced in one step, so a crash mid-write leaves the previous state, not half a file.
        File.Move(temporary, path, overwrite: true);
    }
}

internal sealed record CommittedPartState(string PartId, int Index, long Offset, long Length);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(ResumeState))]
internal sealed partial class ResumeStateJson : JsonSerializerContext;
