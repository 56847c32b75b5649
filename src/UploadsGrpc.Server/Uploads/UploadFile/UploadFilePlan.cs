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
    /// The most the stream holds in part buffers at once: <see cref="Parallelism"/> parts, filling or uploading,
    /// each in the pool's size class of its length (the last part may be shorter than the rest).
    /// </summary>
    public long ReserveBytes
    {
        get
        {
            var full = Math.Min(RemainingBytes / PartSize, Parallelism);
            var rest = RemainingBytes - (full * PartSize);
            return (full * PartBufferPool.ClassOf(PartSize)) + (full < Parallelism && rest > 0 ? PartBufferPool.ClassOf(rest) : 0);
        }
    }
}
