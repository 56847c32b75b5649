namespace UploadsGrpc.Server.Upstream.Json;

/// <summary>The JSON body of POST /uploads/{id}/complete; <c>md5</c> is left out when not given.</summary>
internal sealed record CompleteUploadBody(IReadOnlyList<string> PartIds, string? Md5);
