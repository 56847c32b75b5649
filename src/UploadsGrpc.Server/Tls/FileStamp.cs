namespace UploadsGrpc.Server.Tls;

/// <summary>
/// What tells one read of a file from the next: its last write, its length and a SHA-256 of its content. The hash
/// is what decides: a rewrite of the same length within the file system's timestamp granularity, or a copy that
/// keeps the old time, changes only the content.
/// </summary>
internal readonly record struct FileStamp(DateTime LastWriteUtc, long Length, string Sha256);
