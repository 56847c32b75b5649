using UploadsGrpc.Server.Upstream;
using UploadsGrpc.V1;
using static UploadsGrpc.Server.Validation.RequestChecks;
using Violation = Google.Rpc.BadRequest.Types.FieldViolation;

namespace UploadsGrpc.Server.Files;

/// <summary>Checks FileService requests before anything reaches the upstream.</summary>
internal static class FileRequestValidator
{
    public static void ValidateFileId(string fileId)
    {
        var violations = new List<Violation>();
        CheckId("file_id", fileId, violations);
        ThrowIfAny(violations);
    }

    public static void Validate(ListFilesRequest request)
    {
        var violations = new List<Violation>();
        if (request.PageSize is < 0 or > UpstreamLimits.MaxPageSize)
        {
            violations.Add(Violation("page_size", $"must be 0 (meaning {UpstreamLimits.DefaultPageSize}) to {UpstreamLimits.MaxPageSize}; it is {request.PageSize}."));
        }
        if (request.Purpose != FilePurpose.Unspecified || request.PurposeValue.Length > 0)
        {
            CheckPurpose(request.Purpose, request.PurposeValue, violations);
        }
        if (!Enum.IsDefined(request.Order))
        {
            violations.Add(Violation("order", $"{(int)request.Order} is not a SortOrder."));
        }
        ThrowIfAny(violations);
    }

    public static void Validate(DownloadFileRequest request)
    {
        var violations = new List<Violation>();
        CheckId("file_id", request.FileId, violations);
        if (request.ReadOffset < 0)
        {
            violations.Add(Violation("read_offset", $"must not be negative; it is {request.ReadOffset}."));
        }
        ThrowIfAny(violations);
    }

    public static void Validate(CreateFileMetadata metadata, int maxFilenameBytes)
    {
        var violations = new List<Violation>();
        if (metadata.Bytes <= 0)
        {
            violations.Add(Violation("metadata.bytes", $"must be at least 1; it is {metadata.Bytes}."));
        }
        else if (metadata.Bytes > UpstreamLimits.MaxFileBytes)
        {
            violations.Add(Violation("metadata.bytes", $"must be at most {UpstreamLimits.MaxFileBytes} (512 MiB); it is {metadata.Bytes}. Use UploadService.UploadFile for larger files."));
        }
        CheckNewFile(metadata.Filename, metadata.MimeType, metadata.Purpose, metadata.PurposeValue, metadata.ExpiresAfter, maxFilenameBytes, violations);
        ThrowIfAny(violations);
    }
}
