using UploadsGrpc.Server.Upstream;
using UploadsGrpc.Server.Upstream.Json;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Mapping;

/// <summary>Validated requests of the contract to the upstream's request bodies and queries.</summary>
internal static class RequestMapper
{
    public static CreateUploadBody MapToCreateUploadBody(CreateUploadRequest request) =>
        MapToCreateUploadBody(request.Filename, request.Purpose, request.PurposeValue, request.Bytes, request.MimeType, request.ExpiresAfter);

    public static CreateUploadBody MapToCreateUploadBody(UploadFileMetadata metadata) =>
        MapToCreateUploadBody(metadata.Filename, metadata.Purpose, metadata.PurposeValue, metadata.Bytes, metadata.MimeType, metadata.ExpiresAfter);

    /// <summary>An empty <c>md5</c> means none was given, so the upstream checks none.</summary>
    public static CompleteUploadBody MapToCompleteUploadBody(CompleteUploadRequest request) =>
        MapToCompleteUploadBody([.. request.PartIds], request.Md5.Length > 0 ? request.Md5 : null);

    public static CompleteUploadBody MapToCompleteUploadBody(IReadOnlyList<string> partIds, string? md5) => new(partIds, md5);

    public static CreateFileForm MapToCreateFileForm(CreateFileMetadata metadata) =>
        new(metadata.Filename, metadata.MimeType, MapToPurpose(metadata.Purpose, metadata.PurposeValue), MapToExpiresAfter(metadata.ExpiresAfter));

    /// <summary>The first page's query: <c>page_size</c> 0 means the upstream's default, and no purpose means every purpose.</summary>
    public static FileListQuery MapToFileListQuery(ListFilesRequest request) => new(
        request.PageSize == 0 ? UpstreamLimits.DefaultPageSize : request.PageSize,
        request.Order == SortOrder.Asc ? "asc" : "desc",
        request.Purpose != FilePurpose.Unspecified || request.PurposeValue.Length > 0 ? MapToPurpose(request.Purpose, request.PurposeValue) : null,
        After: null);

    /// <summary>The upstream's string for a purpose: validation guarantees the enum's string or the caller's own.</summary>
    public static string MapToPurpose(FilePurpose purpose, string purposeValue) => EnumMapper.ToUpstream(purpose) ?? purposeValue;

    public static ExpiresAfterJson? MapToExpiresAfter(ExpiresAfter? expires) =>
        expires is null ? null : new ExpiresAfterJson(expires.Anchor.Length > 0 ? expires.Anchor : "created_at", expires.Seconds);

    private static CreateUploadBody MapToCreateUploadBody(
        string filename, FilePurpose purpose, string purposeValue, long bytes, string mimeType, ExpiresAfter? expires) =>
        new(filename, MapToPurpose(purpose, purposeValue), bytes, mimeType, MapToExpiresAfter(expires));
}
