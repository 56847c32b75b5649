using Google.Protobuf.WellKnownTypes;
using UploadsGrpc.Server.Upstream;
using UploadsGrpc.Server.Upstream.Json;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Mapping;

/// <summary>Upstream JSON objects to the contract's messages, field by field, losing nothing.</summary>
internal static class ResourceMapper
{
    public static Upload MapToUpload(UploadJson json, UnknownEnumReporter unknown)
    {
        var upload = new Upload
        {
            Id = json.Id,
            Object = json.Object ?? "",
            Bytes = json.Bytes,
            CreatedAt = MapToTimestamp(json.CreatedAt),
            Filename = json.Filename ?? "",
            Purpose = MapPurpose(json.Purpose, "upload.purpose", unknown),
            PurposeValue = json.Purpose ?? "",
            Status = EnumMapper.ToUploadStatus(json.Status),
            StatusValue = json.Status ?? "",
            ExpiresAt = MapToTimestamp(json.ExpiresAt),
            File = json.File is null ? null : MapToFile(json.File, unknown),
        };
        if (upload.Status == UploadStatus.Unspecified && json.Status is not null)
        {
            unknown.Report("upload.status", json.Status);
        }
        return upload;
    }

    public static FileObject MapToFile(FileJson json, UnknownEnumReporter unknown)
    {
        var file = new FileObject
        {
            Id = json.Id,
            Object = json.Object ?? "",
            Bytes = json.Bytes,
            CreatedAt = MapToTimestamp(json.CreatedAt),
            ExpiresAt = MapToTimestamp(json.ExpiresAt),
            Filename = json.Filename ?? "",
            Purpose = MapPurpose(json.Purpose, "file.purpose", unknown),
            PurposeValue = json.Purpose ?? "",
#pragma warning disable CS0612 // Deprecated upstream, carried so that nothing is lost.
            Status = EnumMapper.ToFileStatus(json.Status),
            StatusValue = json.Status ?? "",
        };
        if (json.StatusDetails is not null)
        {
            file.StatusDetails = json.StatusDetails;
        }
        if (file.Status == FileStatus.Unspecified && json.Status is not null)
#pragma warning restore CS0612
        {
            unknown.Report("file.status", json.Status);
        }
        return file;
    }

    public static UploadPart MapToUploadPart(UploadPartJson json) => new()
    {
        Id = json.Id,
        Object = json.Object ?? "",
        CreatedAt = MapToTimestamp(json.CreatedAt),
        UploadId = json.UploadId ?? "",
    };

    public static DeleteFileResponse MapToDeleteFileResponse(FileDeletedJson json) => new() { FileId = json.Id, Deleted = json.Deleted };

    /// <summary>
    /// Unix seconds to a Timestamp; null or absent stays unset rather than becoming 1970. One outside 0001..9999 is
    /// refused (the JSON reader already refuses it; this holds for any other source): serialized anyway, it would
    /// make clients (Python's, buf curl) fail to read the whole message.
    /// </summary>
    public static Timestamp? MapToTimestamp(long? unixSeconds) => unixSeconds switch
    {
        null => null,
        { } seconds when UnixSecondsConverter.InRange(seconds) => new Timestamp { Seconds = seconds },
        { } seconds => throw new UpstreamProtocolException($"The upstream sent the Unix time {seconds}, outside 0001-01-01..9999-12-31.", null, null),
    };

    private static FilePurpose MapPurpose(string? value, string field, UnknownEnumReporter unknown)
    {
        var purpose = EnumMapper.ToFilePurpose(value);
        if (purpose == FilePurpose.Unspecified && value is not null)
        {
            unknown.Report(field, value);
        }
        return purpose;
    }
}
