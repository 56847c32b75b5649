using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Mapping;

/// <summary>
/// The upstream's enum strings and the contract's enums, both ways. Switch expressions over constant strings
/// compile to length-and-character tests: no dictionary, no allocation.
/// </summary>
internal static class EnumMapper
{
    public static UploadStatus ToUploadStatus(string? value) => value switch
    {
        "pending" => UploadStatus.Pending,
        "completed" => UploadStatus.Completed,
        "cancelled" => UploadStatus.Cancelled,
        "expired" => UploadStatus.Expired,
        _ => UploadStatus.Unspecified,
    };

    public static FileStatus ToFileStatus(string? value) => value switch
    {
        "uploaded" => FileStatus.Uploaded,
        "processed" => FileStatus.Processed,
        "error" => FileStatus.Error,
        _ => FileStatus.Unspecified,
    };

    public static FilePurpose ToFilePurpose(string? value) => value switch
    {
        "assistants" => FilePurpose.Assistants,
        "assistants_output" => FilePurpose.AssistantsOutput,
        "batch" => FilePurpose.Batch,
        "batch_output" => FilePurpose.BatchOutput,
        "fine-tune" => FilePurpose.FineTune,
        "fine-tune-results" => FilePurpose.FineTuneResults,
        "vision" => FilePurpose.Vision,
        "user_data" => FilePurpose.UserData,
        "evals" => FilePurpose.Evals,
        _ => FilePurpose.Unspecified,
    };

    /// <summary>The upstream string of a purpose the contract names; null for unspecified or unknown numbers.</summary>
    public static string? ToUpstream(FilePurpose purpose) => purpose switch
    {
        FilePurpose.Assistants => "assistants",
        FilePurpose.AssistantsOutput => "assistants_output",
        FilePurpose.Batch => "batch",
        FilePurpose.BatchOutput => "batch_output",
        FilePurpose.FineTune => "fine-tune",
        FilePurpose.FineTuneResults => "fine-tune-results",
        FilePurpose.Vision => "vision",
        FilePurpose.UserData => "user_data",
        FilePurpose.Evals => "evals",
        _ => null,
    };
}
