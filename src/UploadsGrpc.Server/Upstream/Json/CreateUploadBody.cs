namespace UploadsGrpc.Server.Upstream.Json;

/// <summary>The JSON body of POST /uploads; <c>expires_after</c> is left out when unset.</summary>
internal sealed record CreateUploadBody(string Filename, string Purpose, long Bytes, string MimeType, ExpiresAfterJson? ExpiresAfter);
