using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Health.V1;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.V1;
using ReflectionV1 = Grpc.Reflection.V1;

namespace UploadsGrpc.FunctionalTests;

/// <summary>
/// Auth:Mode=ApiKeys and the per-caller policy, in Production, over the standalone emulator: every refusal is the
/// exact status and ErrorInfo, and sends nothing upstream (the emulator's request count does not move).
/// </summary>
public sealed class CallersTests(CallersFixture fixture) : IClassFixture<CallersFixture>
{
    private static CreateUploadRequest Upload(long bytes = 3, FilePurpose purpose = FilePurpose.Assistants) =>
        new() { Filename = "a.txt", Purpose = purpose, Bytes = bytes, MimeType = "text/plain" };

    private async Task<RpcException> RefusedWithoutUpstreamAsync(StatusCode code, string reason, Func<Task> call)
    {
        var before = await fixture.Emulator.RequestTotalAsync();
        var refused = await RpcAssert.FailsAsync(code, call);
        var info = RpcAssert.ErrorInfo(refused);
        Assert.Equal("uploadsgrpc", info.Domain);
        Assert.Equal(reason, info.Reason);
        Assert.Equal(before, await fixture.Emulator.RequestTotalAsync());
        return refused;
    }

    [Fact]
    public async Task A_call_without_a_credential_is_unauthenticated()
    {
        var refused = await RefusedWithoutUpstreamAsync(StatusCode.Unauthenticated, "CREDENTIAL_MISSING",
            () => fixture.Uploads(null).CreateUploadAsync(Upload()).ResponseAsync);
        Assert.Equal("ApiKeys", RpcAssert.ErrorInfo(refused).Metadata["mode"]);
        Assert.Equal("The call carries no credential: send 'authorization: Bearer <token>'.", refused.Status.Detail);
    }

    [Theory]
    [InlineData("ugt-nobody-0123456789abcdef0123456789abcdef")]
    [InlineData("upper")]
    [InlineData("longer")]
    public async Task A_wrong_token_is_unauthenticated(string kind)
    {
        var alice = fixture.Tokens["alice"];
        var token = kind switch { "upper" => alice.ToUpperInvariant(), "longer" => alice + "0", _ => kind };
        var refused = await RefusedWithoutUpstreamAsync(StatusCode.Unauthenticated, "CREDENTIAL_INVALID",
            () => new FileService.FileServiceClient(fixture.ChannelAs(null, token)).ListFilesAsync(new ListFilesRequest()).ResponseAsync);
        Assert.Equal("The call's credential was refused: the bearer token is not a known API key.", refused.Status.Detail);
        Assert.DoesNotContain(token, refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_caller_without_the_rpcs_group_is_permission_denied()
    {
        var refused = await RefusedWithoutUpstreamAsync(StatusCode.PermissionDenied, "RPC_NOT_ALLOWED",
            () => fixture.Uploads("reader").CreateUploadAsync(Upload()).ResponseAsync);
        var info = RpcAssert.ErrorInfo(refused);
        Assert.Equal("reader", info.Metadata["caller"]);
        Assert.Equal("uploads:write", info.Metadata["group"]);
        Assert.Equal("The caller reader may not call /uploadsgrpc.v1.UploadService/CreateUpload: it needs the group uploads:write.", refused.Status.Detail);

        var delete = await RefusedWithoutUpstreamAsync(StatusCode.PermissionDenied, "RPC_NOT_ALLOWED",
            () => fixture.Files("reader").DeleteFileAsync(new DeleteFileRequest { FileId = "file-abc" }).ResponseAsync);
        Assert.Equal("files:delete", RpcAssert.ErrorInfo(delete).Metadata["group"]);

        // Its own group works, and reaches the upstream.
        var before = await fixture.Emulator.RequestTotalAsync();
        await fixture.Files("reader").ListFilesAsync(new ListFilesRequest());
        Assert.Equal(before + 1, await fixture.Emulator.RequestTotalAsync());
    }

    [Fact]
    public async Task A_purpose_outside_the_policy_is_permission_denied_naming_the_field()
    {
        var refused = await RefusedWithoutUpstreamAsync(StatusCode.PermissionDenied, "PURPOSE_NOT_ALLOWED",
            () => fixture.Uploads("batcher").CreateUploadAsync(Upload(purpose: FilePurpose.Assistants)).ResponseAsync);
        Assert.Equal(["purpose"], RpcAssert.BadFields(refused));
        Assert.Equal("purpose", RpcAssert.ErrorInfo(refused).Metadata["field"]);
        Assert.Equal("assistants", RpcAssert.ErrorInfo(refused).Metadata["purpose"]);
        Assert.Equal("purpose: the caller batcher may not upload files for the purpose assistants; it may for: batch.", refused.Status.Detail);

        var upload = await fixture.Uploads("batcher").CreateUploadAsync(Upload(purpose: FilePurpose.Batch));
        Assert.Equal(UploadStatus.Pending, upload.Upload.Status);
    }

    [Fact]
    public async Task Bytes_over_the_policy_are_permission_denied_naming_the_field()
    {
        var refused = await RefusedWithoutUpstreamAsync(StatusCode.PermissionDenied, "UPLOAD_TOO_LARGE",
            () => fixture.Uploads("batcher").CreateUploadAsync(Upload(bytes: 1001, purpose: FilePurpose.Batch)).ResponseAsync);
        Assert.Equal(["bytes"], RpcAssert.BadFields(refused));
        Assert.Equal("1000", RpcAssert.ErrorInfo(refused).Metadata["max_upload_bytes"]);
        Assert.Equal("bytes: the caller batcher may upload at most 1000 bytes at once; this upload has 1001.", refused.Status.Detail);

        var atTheLimit = await fixture.Uploads("batcher").CreateUploadAsync(Upload(bytes: 1000, purpose: FilePurpose.Batch));
        Assert.Equal(1000, atTheLimit.Upload.Bytes);
    }

    [Theory]
    [InlineData(FilePurpose.Assistants, 10, "PURPOSE_NOT_ALLOWED", "metadata.purpose")]
    [InlineData(FilePurpose.Batch, 5000, "UPLOAD_TOO_LARGE", "metadata.bytes")]
    public async Task An_UploadFile_stream_outside_the_policy_is_refused_at_its_metadata(FilePurpose purpose, long bytes, string reason, string field)
    {
        var refused = await RefusedWithoutUpstreamAsync(StatusCode.PermissionDenied, reason, async () =>
        {
            using var call = new UploadFileCall(fixture.Uploads("batcher"));
            await call.WriteMetadataAsync(new UploadFileMetadata { Filename = "a.jsonl", Purpose = purpose, Bytes = bytes, MimeType = "text/jsonl" });
            await call.FinishAsync();
        });
        Assert.Equal([field], RpcAssert.BadFields(refused));
    }

    [Theory]
    [InlineData(FilePurpose.UserData, 10, "PURPOSE_NOT_ALLOWED", "metadata.purpose")]
    [InlineData(FilePurpose.Batch, 2000, "UPLOAD_TOO_LARGE", "metadata.bytes")]
    public async Task A_CreateFile_stream_outside_the_policy_is_refused_at_its_metadata(FilePurpose purpose, long bytes, string reason, string field)
    {
        var refused = await RefusedWithoutUpstreamAsync(StatusCode.PermissionDenied, reason, async () =>
        {
            using var call = fixture.Files("batcher").CreateFile();
            await call.RequestStream.WriteAsync(new CreateFileRequest
            {
                Metadata = new CreateFileMetadata { Filename = "a.jsonl", Purpose = purpose, Bytes = bytes, MimeType = "text/jsonl" },
            });
            await call.RequestStream.WriteAsync(new CreateFileRequest { Chunk = ByteString.CopyFrom(new byte[10]) });
            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
        });
        Assert.Equal([field], RpcAssert.BadFields(refused));
    }

    [Fact]
    public async Task Callers_in_different_projects_cannot_see_each_others_uploads_and_files()
    {
        var alice = fixture.Uploads("alice");
        var created = (await alice.CreateUploadAsync(Upload())).Upload;
        var part = (await alice.AddUploadPartAsync(new AddUploadPartRequest { UploadId = created.Id, Data = ByteString.CopyFromUtf8("abc") })).Part;
        var completed = (await alice.CompleteUploadAsync(new CompleteUploadRequest { UploadId = created.Id, PartIds = { part.Id } })).Upload;
        var pending = (await alice.CreateUploadAsync(Upload())).Upload;

        var file = await RpcAssert.FailsAsync(StatusCode.NotFound,
            () => fixture.Files("bob").GetFileAsync(new GetFileRequest { FileId = completed.File.Id }).ResponseAsync);
        Assert.Equal("api.openai.com", RpcAssert.ErrorInfo(file).Domain);
        await RpcAssert.FailsAsync(StatusCode.NotFound,
            () => fixture.Uploads("bob").CancelUploadAsync(new CancelUploadRequest { UploadId = pending.Id }).ResponseAsync);

        // Alice still sees both, and her pending upload was not cancelled by Bob's attempt.
        Assert.Equal(3, (await fixture.Files("alice").GetFileAsync(new GetFileRequest { FileId = completed.File.Id })).File.Bytes);
        Assert.Equal(UploadStatus.Cancelled, (await alice.CancelUploadAsync(new CancelUploadRequest { UploadId = pending.Id })).Upload.Status);
    }

    [Fact]
    public async Task The_upstream_sees_each_call_as_its_callers_project_and_key()
    {
        var alice = (await fixture.Uploads("alice").CreateUploadAsync(Upload())).Upload;
        var bob = (await fixture.Uploads("bob").CreateUploadAsync(Upload())).Upload;
        await fixture.Files("reader").ListFilesAsync(new ListFilesRequest());

        var recent = System.Text.Json.JsonDocument.Parse(await fixture.Emulator.Http.GetStringAsync("_admin/requests")).RootElement.GetProperty("recent")
            .EnumerateArray().TakeLast(3).Select(r => (r.GetProperty("method").GetString(), r.GetProperty("path").GetString(),
                r.GetProperty("project").GetString(), r.GetProperty("key_sha256").GetString())).ToList();
        Assert.Equal(
        [
            ("POST", "/v1/uploads", "proj_alice", CallersFixture.Sha256(CallersFixture.AliceOwnKey)),
            ("POST", "/v1/uploads", "proj_bob", CallersFixture.Sha256(CallersFixture.ServiceKey)),
            ("GET", "/v1/files", "proj_default_callers", CallersFixture.Sha256(CallersFixture.ServiceKey)),
        ], recent);
        Assert.StartsWith("upload_", alice.Id, StringComparison.Ordinal);
        Assert.StartsWith("upload_", bob.Id, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_caller_over_its_rate_is_resource_exhausted_with_retry_info_while_another_is_served()
    {
        var slow = fixture.Files("slow");
        RpcException? refused = null;
        // Burst 1 and 1 a second: of a few calls in a row, one finds the bucket empty (a refill tick may fall between two).
        for (var i = 0; i < 5 && refused is null; i++)
        {
            try
            {
                await slow.ListFilesAsync(new ListFilesRequest());
            }
            catch (RpcException ex)
            {
                refused = ex;
            }
        }
        Assert.NotNull(refused);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal("CALLER_RATE_LIMITED", RpcAssert.ErrorInfo(refused).Reason);
        Assert.Equal("slow", RpcAssert.ErrorInfo(refused).Metadata["caller"]);
        var retry = RpcAssert.Detail<RetryInfo>(refused)!.RetryDelay.ToTimeSpan();
        Assert.InRange(retry, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1));

        await fixture.Files("bob").ListFilesAsync(new ListFilesRequest());
    }

    [Fact]
    public async Task A_caller_at_its_stream_limit_is_resource_exhausted_with_retry_info_while_another_is_served()
    {
        using var running = new UploadFileCall(fixture.Uploads("single"));
        await running.WriteMetadataAsync(new UploadFileMetadata { Filename = "a.txt", Purpose = FilePurpose.Assistants, Bytes = 3, MimeType = "text/plain" });
        await running.WaitForAsync(events => events.Any(e => e.EventCase == UploadFileResponse.EventOneofCase.Started));

        var refused = await RefusedWithoutUpstreamAsync(StatusCode.ResourceExhausted, "CALLER_STREAMS_EXHAUSTED",
            () => fixture.Files("single").ListFilesAsync(new ListFilesRequest()).ResponseAsync);
        Assert.Equal(TimeSpan.FromSeconds(1), RpcAssert.Detail<RetryInfo>(refused)!.RetryDelay.ToTimeSpan());
        Assert.Equal("The caller single already has 1 calls running on this server, its limit; retry when one has ended.", refused.Status.Detail);
        await fixture.Files("bob").ListFilesAsync(new ListFilesRequest());

        await running.WriteAllAsync("abc"u8.ToArray());
        Assert.Equal(3, (await running.FinishAsync()).Bytes);
        // The stream's permit returns as its call ends on the server, which may be just after the client saw the end.
        await Poll.UntilAsync(async () =>
        {
            try
            {
                await fixture.Files("single").ListFilesAsync(new ListFilesRequest());
                return true;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Health_is_open_to_a_call_without_a_credential()
    {
        var health = await new Health.HealthClient(fixture.ChannelAs(null)).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Fact]
    public async Task Reflection_in_Production_needs_the_reflection_group()
    {
        Assert.Contains("uploadsgrpc.v1.UploadService", await ListServicesAsync("admin"));

        var refused = await Assert.ThrowsAsync<RpcException>(() => ListServicesAsync("alice"));
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Equal("reflection", RpcAssert.ErrorInfo(refused).Metadata["group"]);
        var anonymous = await Assert.ThrowsAsync<RpcException>(() => ListServicesAsync(null));
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
    }

    private async Task<List<string>> ListServicesAsync(string? caller)
    {
        using var call = new ReflectionV1.ServerReflection.ServerReflectionClient(fixture.ChannelAs(caller)).ServerReflectionInfo();
        try
        {
            await call.RequestStream.WriteAsync(new ReflectionV1.ServerReflectionRequest { ListServices = "" });
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            // A refusal may end the call before the server reads; the client then fails its pending write.
            // The server's status is what the response stream throws.
        }
        Assert.True(await call.ResponseStream.MoveNext());
        return [.. call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name)];
    }
}
