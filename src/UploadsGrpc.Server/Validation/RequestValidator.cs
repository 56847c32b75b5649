using Google.Rpc;
using UploadsGrpc.Server.Mapping;
using UploadsGrpc.V1;
using Violation = Google.Rpc.BadRequest.Types.FieldViolation;

namespace UploadsGrpc.Server.Validation;

/// <summary>
/// Checks every request before anything reaches the upstream, collecting all violations of a request so a
/// client fixes them in one round trip.
/// </summary>
internal static class RequestValidator
{
    public static void Validate(CreateUploadRequest request)
    {
        var violations = new List<Violation>();
        if (string.IsNullOrWhiteSpace(request.Filename))
        {
            violations.Add(Violation("filename", "is required: the name of the file to create."));
        }
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

    /// <summary>
    /// IDs become one path segment upstream. Percent-encoding makes any other ID safe, but these have no
    /// safe meaning at all: an empty or dot segment changes the path, and control characters are never IDs.
    /// </summary>
    internal static void CheckId(string field, string id, List<Violation> violations)
    {
        if (id.Length == 0)
        {
            violations.Add(Violation(field, "is required."));
        }
        else if (id is "." or "..")
        {
            violations.Add(Violation(field, $"must not be \"{id}\"."));
        }
        else if (id.Length > UpstreamLimits.MaxIdLength)
        {
            violations.Add(Violation(field, $"is {id.Length} characters long; at most {UpstreamLimits.MaxIdLength} are allowed."));
        }
        else if (id.AsSpan().IndexOfAnyInRange('\u0000', '\u001f') is var c0 and >= 0)
        {
            violations.Add(Violation(field, $"holds the control character U+{(int)id[c0]:X4} at index {c0}."));
        }
        else if (id.AsSpan().IndexOfAnyInRange('\u007f', '\u009f') is var c1 and >= 0)
        {
            violations.Add(Violation(field, $"holds the control character U+{(int)id[c1]:X4} at index {c1}."));
        }
    }

    /// <summary>What every new file needs, for the streaming metadata messages (fields prefixed <c>metadata.</c>).</summary>
    internal static void CheckNewFile(string filename, string mimeType, FilePurpose purpose, string purposeValue, ExpiresAfter? expires, List<Violation> violations)
    {
        if (string.IsNullOrWhiteSpace(filename))
        {
            violations.Add(Violation("metadata.filename", "is required: the name of the file to create."));
        }
        if (string.IsNullOrWhiteSpace(mimeType))
        {
            violations.Add(Violation("metadata.mime_type", "is required: the MIME type of the file, e.g. \"text/jsonl\"."));
        }
        var purposeViolations = new List<Violation>();
        CheckPurpose(purpose, purposeValue, purposeViolations);
        violations.AddRange(purposeViolations.Select(v => Violation("metadata." + v.Field, v.Description)));
        if (expires is { Seconds: <= 0 })
        {
            violations.Add(Violation("metadata.expires_after.seconds", $"must be positive; it is {expires.Seconds}."));
        }
    }

    internal static void CheckPurpose(FilePurpose purpose, string purposeValue, List<Violation> violations)
    {
        if (purpose == FilePurpose.Unspecified)
        {
            if (string.IsNullOrWhiteSpace(purposeValue))
            {
                violations.Add(Violation("purpose", "is required: set purpose, or purpose_value to the upstream's string."));
            }
            return;
        }
        var known = EnumMapper.ToUpstream(purpose);
        if (known is null)
        {
            violations.Add(Violation("purpose", $"{(int)purpose} is not a purpose this service knows; set purpose_value instead."));
        }
        else if (purposeValue.Length > 0 && purposeValue != known)
        {
            violations.Add(Violation("purpose_value", $"\"{purposeValue}\" contradicts purpose {purpose} (\"{known}\"); set one of them, or both alike."));
        }
    }

    internal static bool IsMd5Hex(string value) =>
        value.Length == 32 && value.AsSpan().IndexOfAnyExcept(Hex) < 0;

    private static readonly System.Buffers.SearchValues<char> Hex =
        System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    internal static Violation Violation(string field, string description) => new() { Field = field, Description = description };

    internal static void ThrowIfAny(List<Violation> violations)
    {
        if (violations.Count > 0)
        {
            InvalidRequestException.Throw(violations);
        }
    }
}
