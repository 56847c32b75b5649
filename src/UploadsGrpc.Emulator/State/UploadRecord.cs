namespace UploadsGrpc.Emulator.State;

/// <summary>An upload and its parts. Fields change only while <see cref="Gate"/> is held.</summary>
internal sealed class UploadRecord(string id, string project, string filename, string purpose, long bytes, string mimeType, long createdAt, long expiresAt, long? fileExpiresAfterSeconds)
{
    public string Id { get; } = id;

    /// <summary>The project it was created in; other projects cannot see it.</summary>
    public string Project { get; } = project;

    public string Filename { get; } = filename;

    public string Purpose { get; } = purpose;

    public long Bytes { get; } = bytes;

    public string MimeType { get; } = mimeType;

    public long CreatedAt { get; } = createdAt;

    public long ExpiresAt { get; } = expiresAt;

    /// <summary>The <c>expires_after.seconds</c> the File gets at complete.</summary>
    public long? FileExpiresAfterSeconds { get; } = fileExpiresAfterSeconds;

    /// <summary>The order of creation: the emulated clock can give several uploads one <see cref="CreatedAt"/>.</summary>
    public long Sequence { get; init; }

    public string Status { get; set; } = UploadStatuses.Pending;

    public FileRecord? File { get; set; }

    /// <summary>Parts in the order they arrived; the order that counts is the one given at complete.</summary>
    public List<PartRecord> Parts { get; } = [];

    public SemaphoreSlim Gate { get; } = new(1, 1);
}

internal sealed record PartRecord(string Id, long Bytes, long CreatedAt, string Path);

internal static class UploadStatuses
{
    public const string Pending = "pending";
    public const string Completed = "completed";
    public const string Cancelled = "cancelled";
    public const string Expired = "expired";

    public static readonly IReadOnlyList<string> All = [Pending, Completed, Cancelled, Expired];
}
