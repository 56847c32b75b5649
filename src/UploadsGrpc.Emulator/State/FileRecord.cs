namespace UploadsGrpc.Emulator.State;

/// <summary>A stored file of one project. <see cref="Sequence"/> breaks ties between files created in the same second, so listings are stable.</summary>
internal sealed record FileRecord(string Id, string Project, string Filename, string Purpose, long Bytes, long CreatedAt, long? ExpiresAt, string Path, long Sequence)
{
    public bool IsExpired(long now) => ExpiresAt is { } at && now >= at;
}
