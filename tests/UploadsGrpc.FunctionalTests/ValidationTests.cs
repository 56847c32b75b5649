using Google.Protobuf;
using Grpc.Core;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.Server.Errors;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests;

/// <summary>
/// Bad input is refused before the upstream with INVALID_ARGUMENT and a BadRequest naming the field; IDs that are
/// merely unusual reach the upstream as exactly one percent-encoded path segment.
/// </summary>
public sealed class ValidationTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    public static TheoryData<string, string> BadIds()
    {
        var data = new TheoryData<string, string>();
        string[] ids = ["", ".", "..", new string('a', 300), "upload_\n1", "upload\u00001", "up\u007fload"];
        foreach (var rpc in new[] { "part", "complete", "cancel" })
        {
            foreach (var id in ids)
            {
                data.Add(rpc, id);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(BadIds))]
    public async Task Unsafe_upload_id_is_refused_without_an_upstream_request(string rpc, string id)
    {
        var upstream = fixture.Fresh();

        var ex = await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => rpc switch
        {
            "part" => fixture.Uploads.AddUploadPartAsync(Calls.ValidPart(id)).ResponseAsync,
            "complete" => fixture.Uploads.CompleteUploadAsync(Calls.ValidComplete(id)).ResponseAsync,
            _ => fixture.Uploads.CancelUploadAsync(Calls.ValidCancel(id)).ResponseAsync,
        });

        Assert.Equal(["upload_id"], RpcAssert.BadFields(ex));
        Assert.Contains("upload_id", ex.Status.Detail, StringComparison.Ordinal);
        var info = RpcAssert.ErrorInfo(ex);
        Assert.Equal(ErrorDomains.Facade, info.Domain);
        Assert.Equal(FacadeReasons.InvalidArgument, info.Reason);
        Assert.Empty(upstream.Requests);
    }

    [Theory]
    [InlineData("a/b", "a%2Fb")]
    [InlineData("a?b", "a%3Fb")]
    [InlineData("%2e%2e", "%252e%252e")]
    [InlineData("up load", "up%20load")]
    [InlineData("a#b", "a%23b")]
    [InlineData("ünï", "%C3%BCn%C3%AF")]
    public async Task Unusual_id_reaches_the_upstream_as_one_encoded_segment(string id, string segment)
    {
        var upstream = fixture.Fresh();
        upstream.Answer(404, """{"error":{"message":"No such Upload","type":"invalid_request_error","param":"upload_id","code":null}}""");

        var ex = await RpcAssert.FailsAsync(StatusCode.NotFound, () => fixture.Uploads.CancelUploadAsync(Calls.ValidCancel(id)).ResponseAsync);

        Assert.Equal($"/v1/uploads/{segment}/cancel", Assert.Single(upstream.Requests).RawTarget);
        Assert.Equal(ErrorDomains.Upstream, RpcAssert.ErrorInfo(ex).Domain);
    }

    [Fact]
    public async Task Each_part_id_is_checked_and_named_by_its_index()
    {
        var upstream = fixture.Fresh();
        var request = Calls.ValidComplete();
        request.PartIds.Add("..");
        request.PartIds.Add("");

        var ex = await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => fixture.Uploads.CompleteUploadAsync(request).ResponseAsync);

        Assert.Equal(["part_ids[1]", "part_ids[2]"], RpcAssert.BadFields(ex));
        Assert.Empty(upstream.Requests);
    }

    public static TheoryData<string, string[]> BadCreates() => new()
    {
        { "bytes=0", ["bytes"] },
        { "bytes=-1", ["bytes"] },
        { "bytes=8589934593", ["bytes"] },
        { "filename=", ["filename"] },
        { "filename=   ", ["filename"] },
        { "mime_type=", ["mime_type"] },
        { "purpose=none", ["purpose"] },
        { "purpose=99", ["purpose"] },
        { "purpose_value=batch", ["purpose_value"] },
        { "expires_after.seconds=0", ["expires_after.seconds"] },
        { "all", ["filename", "mime_type", "purpose", "bytes"] },
    };

    [Theory]
    [MemberData(nameof(BadCreates))]
    public async Task Bad_create_request_names_every_bad_field(string change, string[] fields)
    {
        var upstream = fixture.Fresh();
        var request = Calls.ValidCreate();
        switch (change)
        {
            case "bytes=0": request.Bytes = 0; break;
            case "bytes=-1": request.Bytes = -1; break;
            case "bytes=8589934593": request.Bytes = 8589934593; break;
            case "filename=": request.Filename = ""; break;
            case "filename=   ": request.Filename = "   "; break;
            case "mime_type=": request.MimeType = ""; break;
            case "purpose=none": request.Purpose = FilePurpose.Unspecified; break;
            case "purpose=99": request.Purpose = (FilePurpose)99; break;
            // Contradicts purpose FINE_TUNE.
            case "purpose_value=batch": request.PurposeValue = "batch"; break;
            case "expires_after.seconds=0": request.ExpiresAfter = new ExpiresAfter { Anchor = "created_at", Seconds = 0 }; break;
            case "all": request = new CreateUploadRequest(); break;
            default: throw new ArgumentOutOfRangeException(nameof(change));
        }

        var ex = await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => fixture.Uploads.CreateUploadAsync(request).ResponseAsync);

        Assert.Equal(fields, RpcAssert.BadFields(ex));
        Assert.Empty(upstream.Requests);
    }

    [Theory]
    [InlineData("part_ids")]
    [InlineData("md5")]
    [InlineData("data")]
    public async Task Other_bad_fields_are_refused_without_an_upstream_request(string field)
    {
        var upstream = fixture.Fresh();
        Func<Task> call = field switch
        {
            "part_ids" => () => fixture.Uploads.CompleteUploadAsync(new CompleteUploadRequest { UploadId = "upload_abc123" }).ResponseAsync,
            "md5" => () => fixture.Uploads.CompleteUploadAsync(new CompleteUploadRequest { UploadId = "upload_abc123", PartIds = { "part_1" }, Md5 = "not-an-md5" }).ResponseAsync,
            _ => () => fixture.Uploads.AddUploadPartAsync(new AddUploadPartRequest { UploadId = "upload_abc123", Data = ByteString.Empty }).ResponseAsync,
        };

        var ex = await RpcAssert.FailsAsync(StatusCode.InvalidArgument, call);

        Assert.Equal([field], RpcAssert.BadFields(ex));
        Assert.Empty(upstream.Requests);
    }
}
