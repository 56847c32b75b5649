using UploadsGrpc.Server.Mapping;
using UploadsGrpc.Server.Upstream.Json;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Tests.Mapping;

/// <summary>Validated requests to the upstream's bodies and queries, value by value.</summary>
public sealed class RequestMapperTests
{
    [Theory]
    [InlineData(FilePurpose.Batch, "", "batch")]
    [InlineData(FilePurpose.FineTune, "fine-tune", "fine-tune")]
    [InlineData(FilePurpose.Unspecified, "new_purpose", "new_purpose")]
    [InlineData(FilePurpose.UserData, "", "user_data")]
    public void A_purpose_is_the_enum_string_else_the_callers_own(FilePurpose purpose, string purposeValue, string expected) =>
        Assert.Equal(expected, RequestMapper.MapToPurpose(purpose, purposeValue));

    [Fact]
    public void CreateUpload_keeps_every_field_and_defaults_the_expiry_anchor()
    {
        var body = RequestMapper.MapToCreateUploadBody(new CreateUploadRequest
        {
            Filename = "big.jsonl", Purpose = FilePurpose.Batch, Bytes = 8L * 1024 * 1024 * 1024, MimeType = "application/jsonl",
            ExpiresAfter = new ExpiresAfter { Seconds = 3600 },
        });

        Assert.Equal(new CreateUploadBody("big.jsonl", "batch", 8L * 1024 * 1024 * 1024, "application/jsonl", new ExpiresAfterJson("created_at", 3600)), body);
    }

    [Fact]
    public void CreateUpload_without_an_expiry_sends_none() =>
        Assert.Null(RequestMapper.MapToCreateUploadBody(new CreateUploadRequest { Filename = "a", Purpose = FilePurpose.Vision, Bytes = 1, MimeType = "image/png" }).ExpiresAfter);

    [Theory]
    [InlineData("", null)]
    [InlineData("5EB63BBBE01EEED093CB22BB8F5ACDC3", "5EB63BBBE01EEED093CB22BB8F5ACDC3")]
    public void CompleteUpload_sends_the_parts_in_order_and_an_md5_only_when_given(string md5, string? expected)
    {
        var body = RequestMapper.MapToCompleteUploadBody(new CompleteUploadRequest { UploadId = "upload_1", PartIds = { "part_b", "part_a", "part_c" }, Md5 = md5 });

        Assert.Equal(["part_b", "part_a", "part_c"], body.PartIds);
        Assert.Equal(expected, body.Md5);
    }

    [Theory]
    [InlineData(0, SortOrder.Desc, FilePurpose.Unspecified, "", 100, "desc", null)]
    [InlineData(10000, SortOrder.Asc, FilePurpose.Batch, "", 10000, "asc", "batch")]
    [InlineData(5, SortOrder.Unspecified, FilePurpose.Unspecified, "evals_new", 5, "desc", "evals_new")]
    public void ListFiles_page_size_order_and_purpose(int pageSize, SortOrder order, FilePurpose purpose, string purposeValue,
        int limit, string expectedOrder, string? expectedPurpose)
    {
        var query = RequestMapper.MapToFileListQuery(new ListFilesRequest { PageSize = pageSize, Order = order, Purpose = purpose, PurposeValue = purposeValue });

        Assert.Equal(new Server.Upstream.FileListQuery(limit, expectedOrder, expectedPurpose, After: null), query);
    }

    [Fact]
    public void CreateFile_form_fields()
    {
        var form = RequestMapper.MapToCreateFileForm(new CreateFileMetadata
        {
            Filename = "résumé.pdf", Purpose = FilePurpose.Unspecified, PurposeValue = "user_data", Bytes = 10, MimeType = "application/pdf",
            ExpiresAfter = new ExpiresAfter { Anchor = "created_at", Seconds = 86400 },
        });

        Assert.Equal(new CreateFileForm("résumé.pdf", "application/pdf", "user_data", new ExpiresAfterJson("created_at", 86400)), form);
    }
}
