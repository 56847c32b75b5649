namespace UploadsGrpc.Server.Limits;

/// <summary>The <c>Limits</c> section: the sizes a request may have before anything is buffered or sent upstream.</summary>
public sealed class LimitsOptions
{
    public const string Section = "Limits";

    /// <summary>
    /// Limits:MaxMessageBytes: the largest request message of every method but AddUploadPart (a part's own limit)
    /// and the chunk messages of UploadFile and CreateFile (Streaming:MaxChunkBytes). 1 MiB holds any metadata,
    /// a resume list of 8 GiB in 1 MiB parts included.
    /// </summary>
    public int MaxMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>Limits:MaxFilenameBytes: the longest filename, in UTF-8 bytes.</summary>
    public int MaxFilenameBytes { get; set; } = 1024;
}
