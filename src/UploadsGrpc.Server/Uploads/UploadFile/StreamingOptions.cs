using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Uploads.UploadFile;

/// <summary>The <c>Streaming</c> section: how UploadFile cuts, sends and retries parts, and the memory all streams share.</summary>
public sealed class StreamingOptions
{
    public const string Section = "Streaming";
    public const int MinPartBytes = 1024 * 1024;
    public const int MaxParallelism = 16;

    /// <summary>Streaming:PartSize: the part size when the client asks for none (64 MiB, the upstream's largest).</summary>
    public int PartSize { get; set; } = UpstreamLimits.MaxPartBytes;

    /// <summary>Streaming:Parallelism: the parts one stream uploads at once when the client asks for no other number.</summary>
    public int Parallelism { get; set; } = 4;

    /// <summary>
    /// Streaming:MemoryBudgetBytes: the memory every buffer of callers' bytes shares: UploadFile's part buffers and
    /// chunks, unary parts, large metadata messages. 0 (the default) means a quarter of the memory the process may
    /// use (the cgroup limit or DOTNET_GCHeapHardLimit when set), at most 4 GiB, at least 128 MiB or half of it.
    /// </summary>
    public long MemoryBudgetBytes { get; set; }

    /// <summary>
    /// Streaming:MaxChunkBytes: the largest <c>chunk</c> of an UploadFile or CreateFile message. Each stream holds
    /// one chunk (and the copy protobuf makes of it) besides its parts, so this is also what a stream reserves for it.
    /// </summary>
    public int MaxChunkBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>A chunk message's own bytes around its chunk: the oneof's tag and length.</summary>
    public const int ChunkMessageOverhead = 16;

    /// <summary>The largest chunk message, framing included.</summary>
    public int MaxChunkMessageBytes => MaxChunkBytes + ChunkMessageOverhead;

    /// <summary>Streaming:MemoryWait: how long a new stream, or a message of a unary call, waits for memory before RESOURCE_EXHAUSTED.</summary>
    public TimeSpan MemoryWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Streaming:PartAttempts: tries per part, the first included (at least 4: three retries), with the waits of
    /// Upstream:RetryBaseDelay and Upstream:MaxRetryDelay.
    /// </summary>
    public int PartAttempts { get; set; } = 5;

    /// <summary>Streaming:CancelTimeout: how long the clean-up cancel of a failed upload may take.</summary>
    public TimeSpan CancelTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Streaming:IdleTimeout: how long a stream may go without a message from the client (the first, and between
    /// messages) before it ends DEADLINE_EXCEEDED; a stream waiting for a message holds its memory and its upload.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

}
