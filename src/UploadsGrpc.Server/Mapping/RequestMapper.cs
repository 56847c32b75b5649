using UploadsGrpc.Server.Upstream.Json;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Mapping;

/// <summary>Validated requests of the contract to upstream JSON bodies.</summary>
internal static class RequestMapper
{
    public static CreateUploadBody MapToCreateUploadBody(CreateUploadRequest request) => new(
        request.Filename,
        // Validation guarantees one of the two: the enum's string, or the caller's own string.
        EnumMapper.ToUpstream(request.Purpose) ?? request.PurposeValue,
        request.Bytes,
        request.MimeType,
        request.ExpiresAfter is { } expires
            ? new ExpiresAfterJson(expires.Anchor.Length > 0 ? expires.Anchor : "created_at", expires.Seconds)
            : null);
}
