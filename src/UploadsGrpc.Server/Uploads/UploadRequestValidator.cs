using UploadsGrpc.Server.Upstream;
using UploadsGrpc.V1;
using static UploadsGrpc.Server.Validation.RequestChecks;
using Violation = Google.Rpc.BadRequest.Types.FieldViolation;

namespace UploadsGrpc.Server.Uploads;

/// <summary>
/// Checks the Upload RPCs' requests before anything reaches the upstream, collecting all violations of a request
/// so a client fixes them in one round trip.
/// </summary>
internal static class UploadRequestValidator
{
    public static void Validate(CreateUploadRequest request, int maxFilenameBytes)
    {
        var violations = new List<Violation>();
        if (string.IsNullOrWhiteSpace(request.Filename))
        {
            violations.Add(Violation("filename", "is required: the name of the file to create."));
        }
        CheckFilenameLength("filename", request.Filename, maxFilenameBytes, violations);
        if (string.IsNullOrWhiteSpace(request.MimeType))
        {
            violations.Add(Violation("mime_type", "is required: the MIME type of the file, e.g. \"text/jsonl\"."));
        }
        CheckPurpose(request.Purpose, request.PurposeValue, violations);
        if (request.Bytes <= 0)
        {
            violations.Add(Violation("bytes", $"must be at least 1; it is {request.Bytes}."));
        }
        else if (request.Bytes > UpstreamLimits.MaxUploadBytes)
        {
            violations.Add(Violation("bytes", $"must be at most {UpstreamLimits.MaxUploadBytes} (8 GiB); it is {request.Bytes}."));
        }
        if (request.ExpiresAfter is { } expires)
        {
            if (expires.Seconds <= 0)
            {
                violations.Add(Violation("expires_after.seconds", $"must be positive; it is {expires.Seconds}."));
            }
        }
        ThrowIfAny(violations);
    }

    public static void Validate(AddUploadPartRequest request)
    {
        var violations = new List<Violation>();
        CheckId("upload_id", request.UploadId, violations);
        if (request.Data.IsEmpty)
        {
            violations.Add(Violation("data", "is empty; a part holds 1 byte to 64 MiB."));
        }
        else if (request.Data.Length > UpstreamLimits.MaxPartBytes)
        {
            violations.Add(Violation("data", $"holds {request.Data.Length} bytes; a part holds at most {UpstreamLimits.MaxPartBytes} (64 MiB)."));
        }
        ThrowIfAny(violations);
    }

    public static void Validate(CompleteUploadRequest request)
    {
        var violations = new List<Violation>();
        CheckId("upload_id", request.UploadId, violations);
        if (request.PartIds.Count == 0)
        {
            violations.Add(Violation("part_ids", "is empty; list the ids of the parts in file order."));
        }
        for (var i = 0; i < request.PartIds.Count; i++)
        {
            CheckId($"part_ids[{i}]", request.PartIds[i], violations);
        }
        if (request.Md5.Length > 0 && !IsMd5Hex(request.Md5))
        {
            violations.Add(Violation("md5", "must be empty or the MD5 of the file as 32 hexadecimal digits."));
        }
        ThrowIfAny(violations);
    }

    public static void Validate(CancelUploadRequest request)
    {
        var violations = new List<Violation>();
        CheckId("upload_id", request.UploadId, violations);
        ThrowIfAny(violations);
    }
}
