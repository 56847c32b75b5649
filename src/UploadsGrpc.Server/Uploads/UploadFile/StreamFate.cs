namespace UploadsGrpc.Server.Uploads.UploadFile;

/// <summary>How far one UploadFile stream got and what became of its upload, for the one line its end logs.</summary>
internal sealed class StreamFate
{
    public string Stage { get; set; } = "before its first message";

    public string? UploadId { get; set; }

    public bool Kept { get; set; }

    public bool CancelFailed { get; set; }

    public string Outcome => UploadId switch
    {
        null => "nothing was created upstream",
        { } id when Kept => $"upload {id} was left pending for a resume",
        { } id when CancelFailed => $"upload {id} could not be cancelled upstream and expires there",
        { } id => $"upload {id} was cancelled upstream",
    };
}
