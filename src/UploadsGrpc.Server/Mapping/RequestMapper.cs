using UploadsGrpc.Server.Upstream.Json;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Mapping;

/// <summary>Validated requests of the contract to upstream JSON bodies.</summary>
internal static class RequestMapper
{
    public static CreateUploadBody MapToCreateUploadBody(CreateUploadRequest request) =>
        MapToCreateUploadBody(request.Filename, request.Purpose, request.PurposeValue, request.Bytes, request.MimeType, request.ExpiresAfter);

    public static CreateUploadBody MapToCreateUploadBody(UploadFileMetadata metadata) =>
        MapToCreateUploadBody(metadata.Filename, metadata.Purpose, metadata.PurposeValue, metadata.Bytes, metadata.MimeType, metadata.ExpiresAfter);

    /// <summary>The upstream's string for a purpose: validation guarantees the enum's string or the caller's own.</summary>
    public static string MapToPurpose(FilePurpose purpose, string purposeValue) => EnumMapper.ToUpstream(purpose) ?? purposeValue;

    public static ExpiresAfterJson? MapToExpiresAfter(ExpiresAfter? expires) =>
        expires is null ? null : new ExpiresAfterJson(expires.Anchor.Length > 0 ? expires.Anchor : "created_at", expires.Seconds);

    private static CreateUploadBody MapToCreateUploadBody(
        string filename, FilePurpose purpose, string purposeValue, long bytes, string mimeType, ExpiresAfter? expires) =>
        new(filename, MapToPurpose(purpose, purposeValue), bytes, mimeType, MapToExpiresAfter(expires));
}
