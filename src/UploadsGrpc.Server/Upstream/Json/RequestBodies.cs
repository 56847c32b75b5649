namespace UploadsGrpc.Server.Upstream.Json;

/// <summary>The JSON body of POST /uploads; <c>expires_after</c> is left out when unset.</summary>
internal sealed record CreateUploadBody(string Filename, string Purpose, long Bytes, string MimeType, ExpiresAfterJson? ExpiresAfter);

/// <summary>The upstream <c>expires_after</c> object.</summary>
internal sealed record ExpiresAfterJson(string Anchor, long Seconds);

/// <summary>The JSON body of POST /uploads/{id}/complete; <c>md5</c> is left out when not given.</summary>
internal sealed record CompleteUploadBody(IReadOnlyList<string> PartIds, string? Md5);
