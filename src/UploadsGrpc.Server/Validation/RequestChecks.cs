using UploadsGrpc.Server.Errors;
using UploadsGrpc.Server.Mapping;
using UploadsGrpc.Server.Upstream;
using UploadsGrpc.V1;
using Violation = Google.Rpc.BadRequest.Types.FieldViolation;

namespace UploadsGrpc.Server.Validation;

/// <summary>
/// The checks every feature's validation shares: IDs, purposes, a new file's fields, MD5s. Each adds violations
/// to a list rather than throwing, so a request's violations are reported together.
/// </summary>
internal static class RequestChecks
{
    private static readonly System.Buffers.SearchValues<char> Hex =
        System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>
    /// IDs become one path segment upstream. Percent-encoding makes any other ID safe, but these have no
    /// safe meaning at all: an empty or dot segment changes the path, and control characters are never IDs.
    /// </summary>
    public static void CheckId(string field, string id, List<Violation> violations)
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
    public static void CheckNewFile(string filename, string mimeType, FilePurpose purpose, string purposeValue, ExpiresAfter? expires, int maxFilenameBytes, List<Violation> violations)
    {
        if (string.IsNullOrWhiteSpace(filename))
        {
            violations.Add(Violation("metadata.filename", "is required: the name of the file to create."));
        }
        CheckFilenameLength("metadata.filename", filename, maxFilenameBytes, violations);
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

    /// <summary>
    /// A filename goes upstream in a JSON body or a multipart header and comes back in every answer about the file:
    /// its length is bounded here (Limits:MaxFilenameBytes), in UTF-8 bytes as it travels.
    /// </summary>
    public static void CheckFilenameLength(string field, string filename, int maxBytes, List<Violation> violations)
    {
        // Any string of more UTF-16 units than maxBytes / 3 could be over; only those are measured.
        if (filename.Length > maxBytes / 3 && System.Text.Encoding.UTF8.GetByteCount(filename) is var bytes && bytes > maxBytes)
        {
            violations.Add(Violation(field, $"is {bytes} bytes long in UTF-8; at most {maxBytes} are allowed (Limits:MaxFilenameBytes)."));
        }
    }

    public static void CheckPurpose(FilePurpose purpose, string purposeValue, List<Violation> violations)
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

    public static bool IsMd5Hex(string value) =>
        value.Length == 32 && value.AsSpan().IndexOfAnyExcept(Hex) < 0;

    public static Violation Violation(string field, string description) => new() { Field = field, Description = description };

    public static void ThrowIfAny(List<Violation> violations)
    {
        if (violations.Count > 0)
        {
            InvalidRequestException.Throw(violations);
        }
    }
}
