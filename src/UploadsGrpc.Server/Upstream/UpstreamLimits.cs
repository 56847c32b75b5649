namespace UploadsGrpc.Server.Upstream;

/// <summary>The upstream's documented limits, in bytes, and the longest ID the façade passes on.</summary>
public static class UpstreamLimits
{
    public const int MaxPartBytes = 64 * 1024 * 1024;
    public const long MaxUploadBytes = 8L * 1024 * 1024 * 1024;
    public const int MaxIdLength = 256;

    /// <summary>The largest file POST /files takes in one request; larger files go through an Upload.</summary>
    public const long MaxFileBytes = 512L * 1024 * 1024;

    /// <summary>ListFiles page sizes: the upstream default for page_size 0, and its largest limit.</summary>
    public const int DefaultPageSize = 100;

    public const int MaxPageSize = 10_000;

    /// <summary>
    /// gRPC's receive limit for AddUploadPart: a full part plus the message's own framing (field tags, lengths
    /// and an upload_id of at most 256 UTF-16 units, i.e. at most 768 UTF-8 bytes).
    /// </summary>
    public const int MaxPartMessageBytes = MaxPartBytes + 1024;
}
