using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.Server.Tests.Infrastructure;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests;

/// <summary>The upstream receives exactly the REST call each RPC stands for, and the answer comes back mapped.</summary>
public sealed class RequestShapeTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private const string PendingUpload = """{"id":"upload_abc123","object":"upload","bytes":8589934592,"created_at":1719184911,"filename":"training_examples.jsonl","purpose":"fine-tune","status":"pending","expires_at":1719188511}""";

    [Fact]
    public async Task CreateUpload_posts_the_json_body_and_maps_the_upload()
    {
        var upstream = fixture.Fresh();
        upstream.Answer(200, PendingUpload, headers: ("x-request-id", "req_create"));
        var request = Calls.ValidCreate();
        request.Bytes = 8589934592;
        request.ExpiresAfter = new ExpiresAfter { Seconds = 7200 };

        using var call = fixture.Uploads.CreateUploadAsync(request);
        var response = await call;

        var sent = Assert.Single(upstream.Requests);
        Assert.Equal("POST", sent.Method);
        Assert.Equal("/v1/uploads", sent.RawTarget);
        Assert.Equal($"Bearer {FacadeHost.ApiKey}", sent.Header("Authorization"));
        Assert.Equal("application/json; charset=utf-8", sent.Header("Content-Type"));
        Assert.Null(sent.Header("OpenAI-Organization"));
        Assert.Null(sent.Header("OpenAI-Project"));
        AssertJson("""{"filename":"training_examples.jsonl","purpose":"fine-tune","bytes":8589934592,"mime_type":"text/jsonl","expires_after":{"anchor":"created_at","seconds":7200}}""", sent.Body);

        Assert.Equal(new Upload
        {
            Id = "upload_abc123", Object = "upload", Bytes = 8589934592, CreatedAt = new Timestamp { Seconds = 1719184911 },
            Filename = "training_examples.jsonl", Purpose = FilePurpose.FineTune, PurposeValue = "fine-tune",
            Status = UploadStatus.Pending, StatusValue = "pending", ExpiresAt = new Timestamp { Seconds = 1719188511 },
        }, response.Upload);
        Assert.Equal("req_create", call.GetTrailers().GetValue("x-request-id"));
    }

    [Fact]
    public async Task CreateUpload_sends_purpose_value_when_the_enum_is_unspecified_and_leaves_out_expires_after()
    {
        var upstream = fixture.Fresh();
        upstream.Answer(200, PendingUpload);
        var request = Calls.ValidCreate();
        request.Purpose = FilePurpose.Unspecified;
        request.PurposeValue = "realtime_audio";
        request.Filename = "你好.wav";

        await fixture.Uploads.CreateUploadAsync(request);

        AssertJson("""{"filename":"你好.wav","purpose":"realtime_audio","bytes":8,"mime_type":"text/jsonl"}""", Assert.Single(upstream.Requests).Body);
    }

    [Fact]
    public async Task AddUploadPart_posts_one_multipart_field_named_data_with_the_exact_bytes()
    {
        var upstream = fixture.Fresh();
        upstream.Answer(200, """{"id":"part_def456","object":"upload.part","created_at":1719185911,"upload_id":"upload_abc123"}""",
            headers: ("x-request-id", "req_part"));
        var data = new byte[300_001];
        new Random(42).NextBytes(data);

        using var call = fixture.Uploads.AddUploadPartAsync(new AddUploadPartRequest { UploadId = "upload_abc123", Data = ByteString.CopyFrom(data) });
        var response = await call;

        var sent = Assert.Single(upstream.Requests);
        Assert.Equal("POST", sent.Method);
        Assert.Equal("/v1/uploads/upload_abc123/parts", sent.RawTarget);
        Assert.Equal($"Bearer {FacadeHost.ApiKey}", sent.Header("Authorization"));
        var (disposition, contentType, body) = await SingleMultipartSection(sent);
        Assert.Equal("form-data; name=\"data\"; filename=\"part\"", disposition);
        Assert.Equal("application/octet-stream", contentType);
        Assert.Equal(data, body);

        Assert.Equal(new UploadPart
        {
            Id = "part_def456", Object = "upload.part", CreatedAt = new Timestamp { Seconds = 1719185911 }, UploadId = "upload_abc123",
        }, response.Part);
        Assert.Equal("req_part", call.GetTrailers().GetValue("x-request-id"));
    }

    [Theory]
    [InlineData("", """{"part_ids":["part_b","part_a"]}""")]
    [InlineData("d41d8cd98f00b204e9800998ecf8427e", """{"part_ids":["part_b","part_a"],"md5":"d41d8cd98f00b204e9800998ecf8427e"}""")]
    public async Task CompleteUpload_posts_part_ids_in_order_and_md5_only_when_given(string md5, string expectedBody)
    {
        var upstream = fixture.Fresh();
        upstream.Answer(200, Recordings.ResponseBody("UploadsTests_CompleteUploadWorks", 3));

        var response = await fixture.Uploads.CompleteUploadAsync(new CompleteUploadRequest
        {
            UploadId = "upload_abc123", PartIds = { "part_b", "part_a" }, Md5 = md5,
        });

        var sent = Assert.Single(upstream.Requests);
        Assert.Equal("POST", sent.Method);
        Assert.Equal("/v1/uploads/upload_abc123/complete", sent.RawTarget);
        AssertJson(expectedBody, sent.Body);
        Assert.Equal(UploadStatus.Completed, response.Upload.Status);
        Assert.Equal("file-RRx32Mws4VZG3ZUnsU6Dvf", response.Upload.File.Id);
    }

    [Fact]
    public async Task CancelUpload_posts_no_body()
    {
        var upstream = fixture.Fresh();
        upstream.Answer(200, Recordings.ResponseBody("UploadsTests_CancelUploadWorks", 1), headers: ("x-request-id", "req_cancel"));

        using var call = fixture.Uploads.CancelUploadAsync(Calls.ValidCancel("upload_68cb29f703b88191a782f78caf1dfeb2"));
        var response = await call;

        var sent = Assert.Single(upstream.Requests);
        Assert.Equal("POST", sent.Method);
        Assert.Equal("/v1/uploads/upload_68cb29f703b88191a782f78caf1dfeb2/cancel", sent.RawTarget);
        Assert.Empty(sent.Body);
        Assert.Null(sent.Header("Content-Type"));
        Assert.Null(sent.Header("Transfer-Encoding"));
        Assert.Equal(UploadStatus.Cancelled, response.Upload.Status);
        Assert.Equal("req_cancel", call.GetTrailers().GetValue("x-request-id"));
    }

    [Fact]
    public async Task Organization_and_project_headers_are_sent_when_set()
    {
        var settings = FacadeHost.SettingsFor(fixture.Upstream.BaseUrl);
        settings["OPENAI_ORG_ID"] = "org-123";
        settings["OPENAI_PROJECT_ID"] = "proj_456";
        await using var facade = new FacadeHost(settings);
        var upstream = fixture.Fresh();
        upstream.Answer(200, PendingUpload);

        await facade.Uploads.CancelUploadAsync(Calls.ValidCancel());

        var sent = Assert.Single(upstream.Requests);
        Assert.Equal("org-123", sent.Header("OpenAI-Organization"));
        Assert.Equal("proj_456", sent.Header("OpenAI-Project"));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("proj_own", "proj_own")]
    public async Task A_callers_own_key_goes_without_the_services_organization_and_project(string? callerProject, string? sentProject)
    {
        var settings = FacadeHost.SettingsFor(fixture.Upstream.BaseUrl);
        settings["OPENAI_ORG_ID"] = "org-123";
        settings["OPENAI_PROJECT_ID"] = "proj_456";
        settings["OWN_KEY"] = "sk-test-own-Key0123456789abcdefghijklmn";
        settings["Callers:Default:ApiKeyVariable"] = "OWN_KEY";
        settings["Callers:Default:Project"] = callerProject;
        await using var facade = new FacadeHost(settings);
        var upstream = fixture.Fresh();
        upstream.Answer(200, PendingUpload);

        await facade.Uploads.CancelUploadAsync(Calls.ValidCancel());

        var sent = Assert.Single(upstream.Requests);
        Assert.Equal("Bearer sk-test-own-Key0123456789abcdefghijklmn", sent.Header("Authorization"));
        Assert.Null(sent.Header("OpenAI-Organization"));
        Assert.Equal(sentProject, sent.Header("OpenAI-Project"));
    }

    [Fact]
    public async Task A_callers_own_key_quoted_by_the_upstream_reaches_no_status_detail_or_trailer()
    {
        // Not sk-shaped, as a gateway's token may be: only knowing the key can find it.
        const string ownKey = "gw-own-Token0123456789abcdefghijk";
        var settings = FacadeHost.SettingsFor(fixture.Upstream.BaseUrl);
        settings["OWN_KEY"] = ownKey;
        settings["Callers:Default:ApiKeyVariable"] = "OWN_KEY";
        await using var facade = new FacadeHost(settings);
        var upstream = fixture.Fresh();
        upstream.Answer(401, $$$"""{"error": {"message": "Incorrect API key provided: {{{ownKey}}}.", "type": "invalid_request_error", "param": "{{{ownKey}}}", "code": "invalid_api_key"}}""",
            "application/json", ("x-request-id", "req-" + ownKey));

        var refused = await RpcAssert.FailsAsync(StatusCode.Unauthenticated, () => facade.Uploads.CancelUploadAsync(Calls.ValidCancel()).ResponseAsync);

        Assert.Equal("Bearer " + ownKey, Assert.Single(upstream.Requests).Header("Authorization"));
        Assert.Equal("Incorrect API key provided: [redacted].", refused.Status.Detail);
        Assert.Equal("INVALID_API_KEY", RpcAssert.ErrorInfo(refused).Reason);
        Assert.Equal("[redacted]", RpcAssert.ErrorInfo(refused).Metadata["param"]);
        Assert.Null(refused.Trailers.GetValue("x-request-id"));
        Assert.DoesNotContain(ownKey, refused.Trailers.GetRpcStatus()!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Empty_variables_count_as_unset()
    {
        var settings = FacadeHost.SettingsFor(fixture.Upstream.BaseUrl);
        settings["OPENAI_ORG_ID"] = "";
        settings["OPENAI_PROJECT_ID"] = " ";
        settings["OPENAI_API_KEY"] = "";
        await using var facade = new FacadeHost(settings);
        var upstream = fixture.Fresh();
        upstream.Answer(200, PendingUpload);

        await facade.Uploads.CancelUploadAsync(Calls.ValidCancel());

        var sent = Assert.Single(upstream.Requests);
        Assert.Null(sent.Header("OpenAI-Organization"));
        Assert.Null(sent.Header("OpenAI-Project"));
        Assert.Null(sent.Header("Authorization"));
    }

    private static void AssertJson(string expected, byte[] actual)
    {
        var actualNode = JsonNode.Parse(actual);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actualNode), $"Expected {expected}\nActual   {Encoding.UTF8.GetString(actual)}");
    }

    internal static async Task<(string Disposition, string ContentType, byte[] Body)> SingleMultipartSection(RecordedRequest request)
    {
        var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(request.Header("Content-Type")).Boundary).Value!;
        Assert.StartsWith("multipart/form-data", request.Header("Content-Type"), StringComparison.Ordinal);
        var reader = new MultipartReader(boundary, new MemoryStream(request.Body)) { BodyLengthLimit = null };
        var section = await reader.ReadNextSectionAsync() ?? throw new Xunit.Sdk.XunitException("No multipart section");
        using var body = new MemoryStream();
        await section.Body.CopyToAsync(body);
        Assert.Null(await reader.ReadNextSectionAsync());
        return (section.ContentDisposition!, section.ContentType!, body.ToArray());
    }
}
