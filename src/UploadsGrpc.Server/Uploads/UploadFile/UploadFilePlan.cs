using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Uploads.UploadFile;

/// <summary>A validated UploadFile metadata message: what to send, in which parts, from where.</summary>
internal sealed record UploadFilePlan(UploadFileMetadata Metadata, int PartSize, int Parallelism, IReadOnlyList<CommittedPart> Committed)
{
    public bool IsResume => Metadata.Resume is not null;

    /// <summary>The offset of the first byte the stream carries: the end of the committed parts.</summary>
    public long ResumeOffset { get; } = Committed.Sum(p => p.Length);

    /// <summary>The bytes the stream must carry.</summary>
    public long RemainingBytes => Metadata.Bytes - ResumeOffset;

    /// <summary>
    /// The most the stream holds at once: <see cref="Parallelism"/> parts, filling or uploading, each buffer no
    /// larger than what is left of the file.
    /// </summary>
    public long ReserveBytes => Math.Min(RemainingBytes, (long)PartSize * Parallelism);
}
