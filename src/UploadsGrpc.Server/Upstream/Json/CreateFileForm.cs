namespace UploadsGrpc.Server.Upstream.Json;

/// <summary>
/// The fields of POST /files' multipart form beside the file's bytes: <c>purpose</c>, the optional
/// <c>expires_after[anchor]</c> and <c>expires_after[seconds]</c>, and the file part's name and type.
/// </summary>
internal sealed record CreateFileForm(string Filename, string MimeType, string Purpose, ExpiresAfterJson? ExpiresAfter);
