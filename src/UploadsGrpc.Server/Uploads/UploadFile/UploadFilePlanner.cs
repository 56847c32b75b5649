using UploadsGrpc.Server.Upstream;
using UploadsGrpc.V1;
using static UploadsGrpc.Server.Validation.RequestChecks;
using Violation = Google.Rpc.BadRequest.Types.FieldViolation;

namespace UploadsGrpc.Server.Uploads.UploadFile;

/// <summary>Checks the first message of an UploadFile stream and turns it into the stream's plan.</summary>
internal static class UploadFilePlanner
{
    public static UploadFilePlan Plan(UploadFileMetadata metadata, StreamingOptions defaults, int maxFilenameBytes)
    {
        var violations = new List<Violation>();
        if (metadata.Bytes <= 0)
        {
            violations.Add(Violation("metadata.bytes", $"must be at least 1; it is {metadata.Bytes}."));
        }
        else if (metadata.Bytes > UpstreamLimits.MaxUploadBytes)
        {
            violations.Add(Violation("metadata.bytes", $"must be at most {UpstreamLimits.MaxUploadBytes} (8 GiB); it is {metadata.Bytes}."));
        }
        if (metadata.Resume is null)
        {
            CheckNewFile(metadata.Filename, metadata.MimeType, metadata.Purpose, metadata.PurposeValue, metadata.ExpiresAfter, maxFilenameBytes, violations);
        }
        if (metadata.Md5.Length > 0 && !IsMd5Hex(metadata.Md5))
        {
            violations.Add(Violation("metadata.md5", "must be empty or the MD5 of the file as 32 hexadecimal digits."));
        }
        if (metadata.PartSize != 0 && metadata.PartSize is < StreamingOptions.MinPartBytes or > UpstreamLimits.MaxPartBytes)
        {
            violations.Add(Violation("metadata.part_size", $"must be 0 (the server's default) or from {StreamingOptions.MinPartBytes} (1 MiB) to {UpstreamLimits.MaxPartBytes} (64 MiB); it is {metadata.PartSize}."));
        }
        if (metadata.Parallelism is < 0 or > StreamingOptions.MaxParallelism)
        {
            violations.Add(Violation("metadata.parallelism", $"must be 0 (the server's default) or from 1 to {StreamingOptions.MaxParallelism}; it is {metadata.Parallelism}."));
        }
        var committed = metadata.Resume is { } resume ? CheckResume(resume, metadata.Bytes, violations) : [];
        ThrowIfAny(violations);

        return new UploadFilePlan(
            metadata,
            metadata.PartSize != 0 ? metadata.PartSize : defaults.PartSize,
            metadata.Parallelism != 0 ? metadata.Parallelism : defaults.Parallelism,
            committed);
    }

    /// <summary>The committed parts must tile the file from offset 0, so the new stream knows where it continues.</summary>
    private static List<CommittedPart> CheckResume(ResumeFrom resume, long bytes, List<Violation> violations)
    {
        CheckId("metadata.resume.upload_id", resume.UploadId, violations);
        // Each part keeps its position in the request, so a violation names the entry the client sent, even when two
        // entries are equal; the sort is stable.
        var parts = resume.Parts.Select((part, position) => (Part: part, Position: position)).OrderBy(p => p.Part.Index).ToList();
        long offset = 0;
        for (var i = 0; i < parts.Count; i++)
        {
            var (part, position) = parts[i];
            var field = $"metadata.resume.parts[{position}]";
            CheckId(field + ".part_id", part.PartId, violations);
            if (part.Index != i)
            {
                violations.Add(Violation(field + ".index", $"is {part.Index}, but part {i} is missing: the committed parts must be 0, 1, 2, ... without gaps."));
                break;
            }
            if (part.Offset != offset)
            {
                violations.Add(Violation(field + ".offset", $"is {part.Offset}; part {i} must start at {offset}, where part {i - 1} ends."));
                break;
            }
            if (part.Length is <= 0 or > UpstreamLimits.MaxPartBytes)
            {
                violations.Add(Violation(field + ".length", $"must be from 1 to {UpstreamLimits.MaxPartBytes}; it is {part.Length}."));
                break;
            }
            offset += part.Length;
        }
        if (offset > bytes && bytes > 0)
        {
            violations.Add(Violation("metadata.resume.parts", $"hold {offset} bytes, more than the {bytes} of metadata.bytes."));
        }
        return [.. parts.Select(p => p.Part)];
    }
}
