using UploadsGrpc.Server.Errors;
using UploadsGrpc.Server.Uploads.UploadFile;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Tests.Uploads.UploadFile;

/// <summary>UploadFilePlanner: the checks of an UploadFile stream's first message, and the plan it makes of it.</summary>
public sealed class UploadFilePlannerTests
{
    private const int MiB = 1024 * 1024;

    public static TheoryData<int, int, int, int, int, int> PartSizesAndParallelism() => new()
    {
        // Streaming:PartSize, Streaming:Parallelism, metadata.part_size, metadata.parallelism → the plan's.
        { 64 * MiB, 4, 0, 0, 64 * MiB, 4 },
        { 8 * MiB, 6, 0, 0, 8 * MiB, 6 },
        { 8 * MiB, 6, MiB, 0, MiB, 6 },
        { 8 * MiB, 6, 0, 1, 8 * MiB, 1 },
        { 8 * MiB, 6, 64 * MiB, 16, 64 * MiB, 16 },
        { 8 * MiB, 6, 5 * MiB + 3, 3, 5 * MiB + 3, 3 },
    };

    [Theory]
    [MemberData(nameof(PartSizesAndParallelism))]
    public void Part_size_and_parallelism_are_the_clients_or_the_servers_defaults_for_0(
        int defaultPartSize, int defaultParallelism, int partSize, int parallelism, int expectedPartSize, int expectedParallelism)
    {
        var metadata = NewFile(bytes: 100 * MiB);
        metadata.PartSize = partSize;
        metadata.Parallelism = parallelism;

        var plan = UploadFilePlanner.Plan(metadata, new StreamingOptions { PartSize = defaultPartSize, Parallelism = defaultParallelism }, 1024);

        Assert.Equal(expectedPartSize, plan.PartSize);
        Assert.Equal(expectedParallelism, plan.Parallelism);
        Assert.Same(metadata, plan.Metadata);
    }

    [Theory]
    [InlineData(100L * MiB, 8 * MiB, 4, 32L * MiB)]
    [InlineData(10L * MiB, 8 * MiB, 4, 10L * MiB)]
    // Buffers come in the pool's size classes (powers of two from 64 KiB): the reservation counts whole classes.
    [InlineData(1L, MiB, 16, 64L * 1024)]
    [InlineData(100L * MiB, 64 * MiB, 4, 128L * MiB)]
    [InlineData(10L * MiB, 3 * MiB, 2, 8L * MiB)]
    [InlineData(8L * 1024 * MiB, 64 * MiB, 16, 1024L * MiB)]
    public void A_new_file_starts_at_0_and_reserves_parallelism_parts_or_the_whole_file_if_smaller(long bytes, int partSize, int parallelism, long expectedReserve)
    {
        var metadata = NewFile(bytes);
        metadata.PartSize = partSize;
        metadata.Parallelism = parallelism;

        var plan = UploadFilePlanner.Plan(metadata, new StreamingOptions(), 1024);

        Assert.False(plan.IsResume);
        Assert.Empty(plan.Committed);
        Assert.Equal(0, plan.ResumeOffset);
        Assert.Equal(bytes, plan.RemainingBytes);
        Assert.Equal(expectedReserve, plan.ReserveBytes);
    }

    public static TheoryData<long, int, int, long[], long, long, long> Resumes() => new()
    {
        // metadata.bytes, part_size, parallelism, lengths of the committed parts 0, 1, ... → ResumeOffset, RemainingBytes, ReserveBytes.
        { 100L * MiB, 8 * MiB, 4, [], 0, 100L * MiB, 32L * MiB },
        { 100L * MiB, 8 * MiB, 4, [8 * MiB, 8 * MiB], 16L * MiB, 84L * MiB, 32L * MiB },
        { 100L * MiB, 8 * MiB, 4, [8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB], 96L * MiB, 4L * MiB, 4L * MiB },
        // Parts of another stream's size, even of differing sizes, only have to be contiguous.
        { 10L * MiB, MiB, 2, [3 * MiB, 5], 3L * MiB + 5, 7L * MiB - 5, 2L * MiB },
        // Everything committed: the stream carries nothing more.
        { 20L, MiB, 4, [10, 10], 20, 0, 0 },
    };

    [Theory]
    [MemberData(nameof(Resumes))]
    public void A_resume_continues_after_the_committed_parts_whatever_order_they_are_listed_in(
        long bytes, int partSize, int parallelism, long[] lengths, long expectedOffset, long expectedRemaining, long expectedReserve)
    {
        var parts = Contiguous(lengths);
        var metadata = Resume(bytes, [.. parts.AsEnumerable().Reverse()]);
        metadata.PartSize = partSize;
        metadata.Parallelism = parallelism;

        var plan = UploadFilePlanner.Plan(metadata, new StreamingOptions(), 1024);

        Assert.True(plan.IsResume);
        Assert.Equal(parts, plan.Committed);
        Assert.Equal(expectedOffset, plan.ResumeOffset);
        Assert.Equal(expectedRemaining, plan.RemainingBytes);
        Assert.Equal(expectedReserve, plan.ReserveBytes);
    }

    public static TheoryData<string, string[]> InvalidMetadata() => new()
    {
        { "bytes 0", ["metadata.bytes"] },
        { "bytes -1", ["metadata.bytes"] },
        { "bytes 8 GiB + 1", ["metadata.bytes"] },
        { "filename empty", ["metadata.filename"] },
        { "filename blank", ["metadata.filename"] },
        { "mime_type empty", ["metadata.mime_type"] },
        { "purpose missing", ["metadata.purpose"] },
        { "purpose_value contradicts purpose", ["metadata.purpose_value"] },
        { "expires_after 0 seconds", ["metadata.expires_after.seconds"] },
        { "md5 of 31 digits", ["metadata.md5"] },
        { "md5 not hexadecimal", ["metadata.md5"] },
        { "part_size 1 MiB - 1", ["metadata.part_size"] },
        { "part_size 64 MiB + 1", ["metadata.part_size"] },
        { "part_size -1", ["metadata.part_size"] },
        { "parallelism 17", ["metadata.parallelism"] },
        { "parallelism -1", ["metadata.parallelism"] },
        { "everything wrong at once", ["metadata.bytes", "metadata.filename", "metadata.mime_type", "metadata.purpose", "metadata.md5", "metadata.part_size", "metadata.parallelism"] },
        { "resume upload_id empty", ["metadata.resume.upload_id"] },
        { "resume upload_id ..", ["metadata.resume.upload_id"] },
        { "resume part_id of parts[1] empty", ["metadata.resume.parts[1].part_id"] },
        { "resume without part 0", ["metadata.resume.parts[0].index"] },
        { "resume with a gap after part 0", ["metadata.resume.parts[1].index"] },
        { "resume with part 0 twice", ["metadata.resume.parts[1].index"] },
        { "resume with part 0 not at offset 0", ["metadata.resume.parts[0].offset"] },
        { "resume with parts[1] not where part 0 ends", ["metadata.resume.parts[1].offset"] },
        { "resume with the misplaced part listed first", ["metadata.resume.parts[0].offset"] },
        { "resume with a part of 0 bytes", ["metadata.resume.parts[0].length"] },
        { "resume with a part of 64 MiB + 1", ["metadata.resume.parts[0].length"] },
        { "resume with parts beyond bytes", ["metadata.resume.parts"] },
        { "resume with bytes 0", ["metadata.bytes"] },
    };

    [Theory]
    [MemberData(nameof(InvalidMetadata))]
    public void Invalid_metadata_is_refused_naming_exactly_the_wrong_fields(string @case, string[] fields)
    {
        var metadata = Invalid(@case);

        var refused = Assert.Throws<InvalidRequestException>(() => UploadFilePlanner.Plan(metadata, new StreamingOptions(), 1024));

        Assert.Equal(fields, refused.Violations.Select(v => v.Field));
    }

    [Theory]
    [InlineData("part_size 1 MiB - 1", "must be 0 (the server's default) or from 1048576 (1 MiB) to 67108864 (64 MiB); it is 1048575.")]
    [InlineData("parallelism 17", "must be 0 (the server's default) or from 1 to 16; it is 17.")]
    [InlineData("bytes 8 GiB + 1", "must be at most 8589934592 (8 GiB); it is 8589934593.")]
    [InlineData("resume with parts[1] not where part 0 ends", "is 11; part 1 must start at 10, where part 0 ends.")]
    [InlineData("resume with a gap after part 0", "is 2, but part 1 is missing: the committed parts must be 0, 1, 2, ... without gaps.")]
    [InlineData("resume with parts beyond bytes", "hold 20 bytes, more than the 15 of metadata.bytes.")]
    public void A_violation_says_what_the_field_must_be_and_what_it_is(string @case, string description)
    {
        var refused = Assert.Throws<InvalidRequestException>(() => UploadFilePlanner.Plan(Invalid(@case), new StreamingOptions(), 1024));

        Assert.Equal(description, Assert.Single(refused.Violations).Description);
    }

    [Fact]
    public void A_part_listed_twice_is_named_by_the_position_of_the_second_listing()
    {
        var part = new CommittedPart { PartId = "part_a", Index = 0, Offset = 0, Length = 10 };
        var metadata = Resume(100, [part, part.Clone()]);

        var refused = Assert.Throws<InvalidRequestException>(() => UploadFilePlanner.Plan(metadata, new StreamingOptions(), 1024));

        Assert.Equal(["metadata.resume.parts[1].index"], refused.Violations.Select(v => v.Field));
    }

    [Fact]
    public void A_resume_needs_none_of_a_new_files_fields()
    {
        var metadata = Resume(15, Contiguous([10]));

        var plan = UploadFilePlanner.Plan(metadata, new StreamingOptions(), 1024);

        Assert.Equal("", plan.Metadata.Filename);
        Assert.Equal(10, plan.ResumeOffset);
        Assert.Equal(5, plan.RemainingBytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("D41D8CD98F00B204E9800998ECF8427E")]
    public void An_md5_may_be_empty_or_32_hexadecimal_digits_in_either_case(string md5)
    {
        var metadata = NewFile(bytes: 1);
        metadata.Md5 = md5;

        var plan = UploadFilePlanner.Plan(metadata, new StreamingOptions(), 1024);

        Assert.Equal(md5, plan.Metadata.Md5);
    }

    private static UploadFileMetadata NewFile(long bytes) =>
        new() { Filename = "train.jsonl", MimeType = "text/jsonl", Purpose = FilePurpose.FineTune, Bytes = bytes };

    private static UploadFileMetadata Resume(long bytes, CommittedPart[] parts) =>
        new() { Bytes = bytes, Resume = new ResumeFrom { UploadId = "upload_abc", Parts = { parts } } };

    /// <summary>Parts 0, 1, ... of the given lengths, each starting where the one before ends.</summary>
    private static CommittedPart[] Contiguous(long[] lengths)
    {
        var parts = new CommittedPart[lengths.Length];
        long offset = 0;
        for (var i = 0; i < lengths.Length; i++)
        {
            parts[i] = new CommittedPart { PartId = $"part_{i}", Index = i, Offset = offset, Length = lengths[i] };
            offset += lengths[i];
        }
        return parts;
    }

    private static CommittedPart Part(int index, long offset, long length, string? partId = null) =>
        new() { PartId = partId ?? $"part_{index}", Index = index, Offset = offset, Length = length };

    /// <summary>Valid metadata with exactly the one thing <paramref name="case"/> names made wrong.</summary>
    private static UploadFileMetadata Invalid(string @case)
    {
        var metadata = NewFile(bytes: 100 * MiB);
        switch (@case)
        {
            case "bytes 0": metadata.Bytes = 0; break;
            case "bytes -1": metadata.Bytes = -1; break;
            case "bytes 8 GiB + 1": metadata.Bytes = 8L * 1024 * MiB + 1; break;
            case "filename empty": metadata.Filename = ""; break;
            case "filename blank": metadata.Filename = " \t "; break;
            case "mime_type empty": metadata.MimeType = ""; break;
            case "purpose missing": metadata.Purpose = FilePurpose.Unspecified; break;
            case "purpose_value contradicts purpose": metadata.PurposeValue = "batch"; break;
            case "expires_after 0 seconds": metadata.ExpiresAfter = new ExpiresAfter { Anchor = "created_at", Seconds = 0 }; break;
            case "md5 of 31 digits": metadata.Md5 = "d41d8cd98f00b204e9800998ecf8427"; break;
            case "md5 not hexadecimal": metadata.Md5 = "g41d8cd98f00b204e9800998ecf8427e"; break;
            case "part_size 1 MiB - 1": metadata.PartSize = MiB - 1; break;
            case "part_size 64 MiB + 1": metadata.PartSize = 64 * MiB + 1; break;
            case "part_size -1": metadata.PartSize = -1; break;
            case "parallelism 17": metadata.Parallelism = 17; break;
            case "parallelism -1": metadata.Parallelism = -1; break;
            case "everything wrong at once":
                metadata = new UploadFileMetadata { Bytes = 0, Md5 = "x", PartSize = 1, Parallelism = 99 };
                break;
            case "resume upload_id empty": metadata = Resume(100, Contiguous([10])); metadata.Resume.UploadId = ""; break;
            case "resume upload_id ..": metadata = Resume(100, Contiguous([10])); metadata.Resume.UploadId = ".."; break;
            case "resume part_id of parts[1] empty": metadata = Resume(100, [Part(0, 0, 10), Part(1, 10, 10, partId: "")]); break;
            case "resume without part 0": metadata = Resume(100, [Part(1, 0, 10)]); break;
            case "resume with a gap after part 0": metadata = Resume(100, [Part(0, 0, 10), Part(2, 10, 10)]); break;
            case "resume with part 0 twice": metadata = Resume(100, [Part(0, 0, 10, "part_a"), Part(0, 0, 10, "part_b")]); break;
            case "resume with part 0 not at offset 0": metadata = Resume(100, [Part(0, 5, 10)]); break;
            case "resume with parts[1] not where part 0 ends": metadata = Resume(100, [Part(0, 0, 10), Part(1, 11, 10)]); break;
            case "resume with the misplaced part listed first": metadata = Resume(100, [Part(1, 11, 10), Part(0, 0, 10)]); break;
            case "resume with a part of 0 bytes": metadata = Resume(100, [Part(0, 0, 0)]); break;
            case "resume with a part of 64 MiB + 1": metadata = Resume(100 * MiB, [Part(0, 0, 64 * MiB + 1)]); break;
            case "resume with parts beyond bytes": metadata = Resume(15, Contiguous([10, 10])); break;
            case "resume with bytes 0": metadata = Resume(0, Contiguous([10])); break;
            default: throw new ArgumentOutOfRangeException(nameof(@case), @case, "No such case in the table.");
        }
        return metadata;
    }
}
