using System.Text;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.Server.Errors;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests;

/// <summary>
/// An upstream body that stalls after its headers (Upstream:BodyIdleTimeout, 1 s here), one too long to parse
/// (16 MiB), and UploadFile against an upstream whose request ids and Retry-After values are hostile: on a real socket.
/// </summary>
public sealed class UpstreamBodyBoundsTests(HostileUpstreamFixture fixture) : IClassFixture<HostileUpstreamFixture>
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(20);

    private const string FileJson = """{"id": "file-abc123", "object": "file", "bytes": 100, "created_at": 1719184911, "filename": "a.bin", "purpose": "batch", "status": "processed"}""";

    [Fact]
    public async Task A_DownloadFile_body_that_stalls_is_DEADLINE_EXCEEDED_UPSTREAM_TIMEOUT_and_the_upstream_request_released()
    {
        var upstream = fixture.Fresh();
        upstream.Script(async (request, context) =>
        {
            if (!request.RawTarget.EndsWith("/content", StringComparison.Ordinal))
            {
                await ScriptedUpstream.Respond(context, 200, FileJson);
                return;
            }
            await StallAfterAsync(request, context, "application/octet-stream", new byte[10]);
        });
        var started = DateTime.UtcNow;

        // The deadline only keeps a broken bound from hanging the test: the idle timeout must end the call long before.
        using var call = fixture.Files.DownloadFile(new DownloadFileRequest { FileId = "file-abc123" }, deadline: DateTime.UtcNow.Add(Generous));
        var ex = await RpcAssert.FailsAsync(StatusCode.DeadlineExceeded, async () =>
        {
            await foreach (var _ in call.ResponseStream.ReadAllAsync())
            {
            }
        });

        var info = RpcAssert.ErrorInfo(ex);
        Assert.Equal(ErrorDomains.Facade, info.Domain);
        Assert.Equal(FacadeReasons.UpstreamTimeout, info.Reason);
        Assert.InRange(DateTime.UtcNow - started, HostileUpstreamFixture.BodyIdleTimeout, Generous);
        // The response was disposed: the upstream sees its request aborted rather than a connection kept open.
        await upstream.Requests[^1].Aborted.Task.WaitAsync(Generous);
    }

    [Fact]
    public async Task A_JSON_body_that_stalls_without_a_deadline_is_DEADLINE_EXCEEDED_UPSTREAM_TIMEOUT()
    {
        var upstream = fixture.Fresh();
        upstream.Script((request, context) => StallAfterAsync(request, context, "application/json", Encoding.UTF8.GetBytes("""{"id": "upl""")));

        var ex = await RpcAssert.FailsAsync(StatusCode.DeadlineExceeded, () => Calls.InvokeAsync(fixture.Uploads, "cancel"));

        Assert.Equal(FacadeReasons.UpstreamTimeout, RpcAssert.ErrorInfo(ex).Reason);
        Assert.Equal("req_stall", ex.Trailers.GetValue("x-request-id"));
        await Assert.Single(upstream.Requests).Aborted.Task.WaitAsync(Generous);
    }

    [Fact]
    public async Task A_caller_deadline_shorter_than_the_idle_timeout_still_wins()
    {
        var upstream = fixture.Fresh();
        upstream.Script((request, context) => StallAfterAsync(request, context, "application/json", Encoding.UTF8.GetBytes("{")));

        await RpcAssert.FailsAsync(StatusCode.DeadlineExceeded,
            () => Calls.InvokeAsync(fixture.Uploads, "cancel", new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(300))));

        // The client's own timer ends the call (so the status has no details); the façade aborts the upstream request.
        await Assert.Single(upstream.Requests).Aborted.Task.WaitAsync(Generous);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_JSON_body_over_16_MiB_is_UPSTREAM_INVALID_RESPONSE(bool withLength)
    {
        var upstream = fixture.Fresh();
        // Valid JSON all the way: only its length is wrong.
        var body = Encoding.UTF8.GetBytes("{\"id\": \"upload_1\", \"filename\": \"" + new string('a', (16 * 1024 * 1024) + 10) + "\"}");
        upstream.Script(async (_, context) =>
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            context.Response.Headers["x-request-id"] = "req_big";
            if (withLength)
            {
                context.Response.ContentLength = body.Length;
            }
            try
            {
                await context.Response.Body.WriteAsync(body, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The façade stopped reading at the bound, as it should.
            }
        });

        var ex = await RpcAssert.FailsAsync(StatusCode.Internal, () => Calls.InvokeAsync(fixture.Uploads, "cancel"));

        var info = RpcAssert.ErrorInfo(ex);
        Assert.Equal(FacadeReasons.UpstreamInvalidResponse, info.Reason);
        Assert.Equal("200", info.Metadata["http_status"]);
        Assert.Equal("req_big", info.Metadata["request_id"]);
        Assert.Contains("Upstream:MaxJsonResponseBytes", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadFile_completes_past_a_Retry_After_of_1e300_and_hostile_request_ids()
    {
        const int bytes = 10;
        var upstream = fixture.Fresh();
        var parts = 0;
        (string, string)[] hostileId = [("x-request-id", "req_\u00e9" + new string('x', 300))];
        upstream.Script((request, context) => request.RawTarget switch
        {
            "/v1/uploads" => ScriptedUpstream.Respond(context, 200, Upload("pending", file: null), "application/json", hostileId),
            "/v1/uploads/upload_1/parts" when Interlocked.Increment(ref parts) == 1 => ScriptedUpstream.Respond(context, 429,
                """{"error": {"message": "slow down", "type": "requests", "param": null, "code": "rate_limit_exceeded"}}""", "application/json",
                [.. hostileId, ("Retry-After", "1e300"), ("retry-after-ms", "1e15")]),
            "/v1/uploads/upload_1/parts" => ScriptedUpstream.Respond(context, 200,
                """{"id": "part_1", "object": "upload.part", "created_at": 1719184911, "upload_id": "upload_1"}""", "application/json", hostileId),
            "/v1/uploads/upload_1/complete" => ScriptedUpstream.Respond(context, 200, Upload("completed", file: bytes), "application/json", hostileId),
            _ => ScriptedUpstream.Respond(context, 404, "{}"),
        });

        using var call = new UploadFileCall(fixture.Uploads, deadline: DateTime.UtcNow.Add(Generous));
        await call.WriteMetadataAsync(UploadFileTests.Metadata(bytes));
        await call.WriteAllAsync(new byte[bytes]);
        var completed = await call.FinishAsync();

        Assert.Equal(UploadStatus.Completed, completed.Upload.Status);
        Assert.Equal(2, parts);
    }

    private static string Upload(string status, int? file) =>
        $$"""{"id": "upload_1", "object": "upload", "bytes": 10, "created_at": 1719184911, "filename": "stream.bin", "purpose": "batch", "status": "{{status}}", "expires_at": 1719188511{{(file is { } size ? $$""", "file": {"id": "file-1", "object": "file", "bytes": {{size}}, "created_at": 1719184911, "filename": "stream.bin", "purpose": "batch", "status": "processed"}""" : "")}}}""";

    /// <summary>Sends the headers and <paramref name="head"/>, then nothing until the client gives up, which it records.</summary>
    private static async Task StallAfterAsync(RecordedRequest request, HttpContext context, string contentType, byte[] head)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = contentType;
        context.Response.Headers["x-request-id"] = "req_stall";
        context.Response.ContentLength = head.Length + 1000;
        try
        {
            await context.Response.Body.WriteAsync(head, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            request.Aborted.TrySetResult();
        }
    }
}
