using System.Diagnostics;
using UploadsGrpc.Server.Telemetry;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Tests.Telemetry;

/// <summary>The upload and file ids each message names reach the call's scope and span; absent ids change nothing.</summary>
public sealed class CallIdsTests
{
    public static TheoryData<string, object, string?, string?> Requests => new()
    {
        { "AddUploadPart", new AddUploadPartRequest { UploadId = "upload_a" }, "upload_a", null },
        { "CompleteUpload", new CompleteUploadRequest { UploadId = "upload_b" }, "upload_b", null },
        { "CancelUpload", new CancelUploadRequest { UploadId = "upload_c" }, "upload_c", null },
        { "GetFile", new GetFileRequest { FileId = "file-d" }, null, "file-d" },
        { "DeleteFile", new DeleteFileRequest { FileId = "file-e" }, null, "file-e" },
        { "DownloadFile", new DownloadFileRequest { FileId = "file-f" }, null, "file-f" },
        { "CreateUpload", new CreateUploadRequest(), null, null },
        { "GetFile without an id", new GetFileRequest(), null, null },
    };

    public static TheoryData<string, object, string?, string?> Responses => new()
    {
        { "CreateUpload", new CreateUploadResponse { Upload = new Upload { Id = "upload_a" } }, "upload_a", null },
        { "CompleteUpload", new CompleteUploadResponse { Upload = new Upload { Id = "upload_b", File = new FileObject { Id = "file-b" } } }, "upload_b", "file-b" },
        { "CancelUpload", new CancelUploadResponse { Upload = new Upload { Id = "upload_c" } }, "upload_c", null },
        { "GetFile", new GetFileResponse { File = new FileObject { Id = "file-d" } }, null, "file-d" },
        { "CreateFile", new CreateFileResponse { File = new FileObject { Id = "file-e" } }, null, "file-e" },
        { "UploadFile started", new UploadFileResponse { Started = new UploadFileStarted { UploadId = "upload_f" } }, "upload_f", null },
        { "UploadFile completed", new UploadFileResponse { Completed = new UploadFileCompleted { Upload = new Upload { Id = "upload_g", File = new FileObject { Id = "file-g" } } } }, "upload_g", "file-g" },
        { "UploadFile progress", new UploadFileResponse { Progress = new UploadProgress() }, null, null },
        { "ListFiles", new ListFilesResponse(), null, null },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void A_request_names_its_ids(string rpc, object request, string? uploadId, string? fileId)
    {
        using var span = new Activity(rpc).Start();
        var call = Call(span);
        CallIds.FromRequest(call, request);
        Assert.Equal((uploadId, fileId), (call.UploadId, call.FileId));
        Assert.Equal((uploadId, fileId), ((string?)span.GetTagItem("uploadsgrpc.upload.id"), (string?)span.GetTagItem("uploadsgrpc.file.id")));
    }

    [Theory]
    [MemberData(nameof(Responses))]
    public void A_response_names_its_ids(string rpc, object response, string? uploadId, string? fileId)
    {
        using var span = new Activity(rpc).Start();
        var call = Call(span);
        CallIds.FromResponse(call, response);
        Assert.Equal((uploadId, fileId), (call.UploadId, call.FileId));
        Assert.Equal((uploadId, fileId), ((string?)span.GetTagItem("uploadsgrpc.upload.id"), (string?)span.GetTagItem("uploadsgrpc.file.id")));
    }

    [Fact]
    public void The_log_scope_reads_the_fields_when_a_line_is_written()
    {
        var upstream = new RequestIdSource();
        var call = new CallTelemetry(new RpcName("uploadsgrpc.v1.UploadService", "CancelUpload", Streaming: false), upstream, span: null);
        Assert.Equal("uploadsgrpc.v1.UploadService/CancelUpload", call.ToString());
        call.SetCaller("alice");
        call.SetUploadId("upload_h");
        upstream.RequestId = "req_1";
        Assert.Equal(
            [new("Rpc", "uploadsgrpc.v1.UploadService/CancelUpload"), new("Caller", "alice"), new("UploadId", "upload_h"), new("FileId", null), new("UpstreamRequestId", "req_1")],
            call.ToList<KeyValuePair<string, object?>>());
        Assert.Equal("uploadsgrpc.v1.UploadService/CancelUpload by alice", call.ToString());
    }

    private static CallTelemetry Call(Activity span) => new(new RpcName("s", "m", Streaming: false), new RequestIdSource(), span);

    private sealed class RequestIdSource : IUpstreamRequestIdSource
    {
        public string? RequestId { get; set; }
    }
}
