using UploadsGrpc.Server.Validation;
using UploadsGrpc.V1;
using Violation = Google.Rpc.BadRequest.Types.FieldViolation;

namespace UploadsGrpc.Server.Tests.Validation;

/// <summary>The checks every feature shares, each with the field it names and what it says.</summary>
public sealed class RequestChecksTests
{
    [Theory]
    [InlineData("upload_abc", null)]
    [InlineData("a/b", null)]
    [InlineData("%2e%2e", null)]
    [InlineData("...", null)]
    [InlineData("", "is required.")]
    [InlineData(".", "must not be \".\".")]
    [InlineData("..", "must not be \"..\".")]
    [InlineData("a\tb", "holds the control character U+0009 at index 1.")]
    [InlineData("ab\u0085", "holds the control character U+0085 at index 2.")]
    [InlineData("\u007f", "holds the control character U+007F at index 0.")]
    public void An_id(string id, string? refusal)
    {
        var violations = new List<Violation>();

        RequestChecks.CheckId("upload_id", id, violations);

        Assert.Equal(refusal is null ? [] : [new Violation { Field = "upload_id", Description = refusal }], violations);
    }

    [Fact]
    public void An_id_of_256_characters_passes_and_of_257_is_refused()
    {
        var violations = new List<Violation>();

        RequestChecks.CheckId("file_id", new string('f', 256), violations);
        RequestChecks.CheckId("file_id", new string('f', 257), violations);

        Assert.Equal("is 257 characters long; at most 256 are allowed.", Assert.Single(violations).Description);
    }

    [Theory]
    [InlineData(FilePurpose.Batch, "", null, null)]
    [InlineData(FilePurpose.Batch, "batch", null, null)]
    [InlineData(FilePurpose.Unspecified, "brand_new", null, null)]
    [InlineData(FilePurpose.Unspecified, " ", "purpose", "is required: set purpose, or purpose_value to the upstream's string.")]
    [InlineData((FilePurpose)99, "", "purpose", "99 is not a purpose this service knows; set purpose_value instead.")]
    [InlineData(FilePurpose.Batch, "fine-tune", "purpose_value", "\"fine-tune\" contradicts purpose Batch (\"batch\"); set one of them, or both alike.")]
    public void A_purpose(FilePurpose purpose, string purposeValue, string? field, string? description)
    {
        var violations = new List<Violation>();

        RequestChecks.CheckPurpose(purpose, purposeValue, violations);

        Assert.Equal(field is null ? [] : [new Violation { Field = field, Description = description }], violations);
    }

    [Fact]
    public void A_new_file_names_each_missing_field_under_metadata()
    {
        var violations = new List<Violation>();

        RequestChecks.CheckNewFile(" ", "", FilePurpose.Unspecified, "", new ExpiresAfter { Seconds = 0 }, 1024, violations);

        Assert.Equal(["metadata.filename", "metadata.mime_type", "metadata.purpose", "metadata.expires_after.seconds"], violations.Select(v => v.Field));
    }

    [Theory]
    [InlineData(1024, 0)]
    [InlineData(1025, 1)]
    public void A_filename_is_measured_in_utf8_bytes_against_the_limit(int bytes, int expected)
    {
        var violations = new List<Violation>();
        // "é" is two bytes in UTF-8: a name of 512 of them is 1024 bytes though only 512 characters.
        var name = new string('é', bytes / 2) + new string('a', bytes % 2);

        RequestChecks.CheckFilenameLength("filename", name, 1024, violations);

        Assert.Equal(expected, violations.Count);
        Assert.All(violations, v => Assert.Equal("filename", v.Field));
        Assert.All(violations, v => Assert.Contains("Limits:MaxFilenameBytes", v.Description, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("5eb63bbbe01eeed093cb22bb8f5acdc3", true)]
    [InlineData("5EB63BBBE01EEED093CB22BB8F5ACDC3", true)]
    [InlineData("5eb63bbbe01eeed093cb22bb8f5acdc", false)]
    [InlineData("5eb63bbbe01eeed093cb22bb8f5acdc3a", false)]
    [InlineData("5eb63bbbe01eeed093cb22bb8f5acdcg", false)]
    [InlineData("", false)]
    public void An_md5_is_32_hexadecimal_digits(string value, bool valid) =>
        Assert.Equal(valid, RequestChecks.IsMd5Hex(value));
}
