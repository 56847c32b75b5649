using UploadsGrpc.V1;

namespace UploadsGrpc.Soak;

/// <summary>What the driver knows of one upload across its streams: the id, the parts committed, the MD5 once known.</summary>
internal sealed class UploadState
{
    public string? UploadId { get; set; }

    public int PartSize { get; set; }

    /// <summary>The MD5 of the whole file: from the first stream when it sent every byte, else computed for a resume.</summary>
    public string? Md5 { get; set; }

    /// <summary>Committed parts by index; several are in flight at once, so they may arrive out of order.</summary>
    public SortedDictionary<int, CommittedPart> Parts { get; } = [];

    /// <summary>The parts a resume may name: indexes 0, 1, 2, … without a gap (a part after a gap is sent again).</summary>
    public IEnumerable<CommittedPart> ContiguousParts() => Parts.Values.TakeWhile((part, i) => part.Index == i);
}
