using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.Server.Upstream;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests;

/// <summary>
/// The request frame guard on a real socket: what a client receives for a message larger than its method allows,
/// a malformed frame, a full memory budget and a long filename, and that nothing reaches the upstream then.
/// </summary>
public sealed class LimitsTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private const int MiB = 1024 * 1024;
    private const string PendingUpload = """{"id":"upload_lim","object":"upload","bytes":1073741824,"created_at":1719184911,"filename":"a.jsonl","purpose":"fine-tune","status":"pending","expires_at":1719188511}""";
    private const string CancelledUpload = """{"id":"upload_lim","object":"upload","bytes":1073741824,"created_at":1719184911,"filename":"a.jsonl","purpose":"fine-tune","status":"cancelled","expires_at":1719188511}""";

    [Fact]
    public async Task A_part_message_over_its_limit_is_MESSAGE_TOO_LARGE_with_the_limit_and_no_retry_info()
    {
        var upstream = fixture.Fresh();

        var ex = await RpcAssert.FailsAsync(StatusCode.ResourceExhausted, () => fixture.Uploads.AddUploadPartAsync(new AddUploadPartRequest
        {
            UploadId = "upload_abc123", Data = UnsafeByteOperations.UnsafeWrap(new byte[UpstreamLimits.MaxPartBytes + 2048]),
        }).ResponseAsync);

        var info = RpcAssert.ErrorInfo(ex);
        Assert.Equal(("uploadsgrpc", "MESSAGE_TOO_LARGE"), (info.Domain, info.Reason));
        Assert.Equal(UpstreamLimits.MaxPartMessageBytes.ToString(CultureInfo.InvariantCulture), info.Metadata["limit_bytes"]);
        Assert.Null(RpcAssert.Detail<RetryInfo>(ex));
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task Any_other_message_over_one_MiB_is_MESSAGE_TOO_LARGE_before_the_filename_is_read()
    {
        var upstream = fixture.Fresh();
        var request = Calls.ValidCreate();
        request.Filename = new string('a', 60 * MiB);

        var ex = await RpcAssert.FailsAsync(StatusCode.ResourceExhausted, () => fixture.Uploads.CreateUploadAsync(request).ResponseAsync);

        var info = RpcAssert.ErrorInfo(ex);
        Assert.Equal("MESSAGE_TOO_LARGE", info.Reason);
        Assert.Equal("1048576", info.Metadata["limit_bytes"]);
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task A_filename_over_1024_utf8_bytes_is_INVALID_ARGUMENT_naming_filename()
    {
        var upstream = fixture.Fresh();
        var request = Calls.ValidCreate();
        request.Filename = new string('é', 513);

        var ex = await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => fixture.Uploads.CreateUploadAsync(request).ResponseAsync);

        Assert.Equal(["filename"], RpcAssert.BadFields(ex));
        Assert.Contains("1026 bytes", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task An_UploadFile_chunk_over_MaxChunkBytes_ends_the_stream_MESSAGE_TOO_LARGE_and_cancels_the_upload()
    {
        var upstream = fixture.Fresh();
        upstream.Script((request, context) => ScriptedUpstream.Respond(context, 200, request.RawTarget.EndsWith("/cancel", StringComparison.Ordinal) ? CancelledUpload : PendingUpload));
        using var call = new UploadFileCall(fixture.Uploads);
        await call.WriteMetadataAsync(new UploadFileMetadata { Filename = "a.jsonl", MimeType = "text/jsonl", Purpose = FilePurpose.FineTune, Bytes = 64L * MiB });
        await call.WaitForAsync(events => events.Count > 0);

        // A chunk message is its chunk plus a few bytes of framing (at most 16 are allowed for them).
        await call.WriteChunkAsync(new byte[(4 * MiB) + 64]);
        var failure = await call.FinishFailingAsync(StatusCode.ResourceExhausted);

        var info = RpcAssert.ErrorInfo(failure);
        Assert.Equal("MESSAGE_TOO_LARGE", info.Reason);
        Assert.Equal((4 * MiB + 16).ToString(CultureInfo.InvariantCulture), info.Metadata["limit_bytes"]);
        await Poll.UntilAsync(() => upstream.Requests.Any(r => r.RawTarget == "/v1/uploads/upload_lim/cancel"), TimeSpan.FromSeconds(20));
        Assert.DoesNotContain(upstream.Requests, r => r.RawTarget.EndsWith("/parts", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_compressed_flag_without_grpc_encoding_is_INTERNAL_MALFORMED_FRAME()
    {
        var upstream = fixture.Fresh();
        var message = Calls.ValidCancel().ToByteArray();

        var (status, details) = await RawUnaryAsync("/uploadsgrpc.v1.UploadService/CancelUpload", Frame(1, message, message.Length));

        Assert.Equal(StatusCode.Internal, status);
        Assert.Equal("MALFORMED_FRAME", details.GetDetail<ErrorInfo>().Reason);
        Assert.Contains("grpc-encoding", details.Message, StringComparison.Ordinal);
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task A_body_that_ends_inside_a_frame_is_INTERNAL_MALFORMED_FRAME()
    {
        var upstream = fixture.Fresh();
        var message = Calls.ValidCancel().ToByteArray();

        var (status, details) = await RawUnaryAsync("/uploadsgrpc.v1.UploadService/CancelUpload", Frame(0, message, message.Length + 100));

        Assert.Equal(StatusCode.Internal, status);
        Assert.Equal("MALFORMED_FRAME", details.GetDetail<ErrorInfo>().Reason);
        Assert.Contains($"{message.Length + 5} of its {message.Length + 105} bytes", details.Message, StringComparison.Ordinal);
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task A_body_that_ends_inside_a_frame_header_is_INTERNAL_MALFORMED_FRAME()
    {
        var (status, details) = await RawUnaryAsync("/uploadsgrpc.v1.UploadService/CancelUpload", [0, 0, 0]);

        Assert.Equal(StatusCode.Internal, status);
        Assert.Equal("MALFORMED_FRAME", details.GetDetail<ErrorInfo>().Reason);
    }

    [Fact]
    public async Task A_part_the_memory_budget_cannot_hold_waits_then_is_MEMORY_EXHAUSTED_with_retry_info()
    {
        var upstream = fixture.Fresh();
        upstream.Script((request, context) => ScriptedUpstream.Respond(context, 200, request.RawTarget.EndsWith("/cancel", StringComparison.Ordinal) ? CancelledUpload : PendingUpload));
        // The smallest budget allowed: one full part message and one chunk. A stream of one 64 MiB part takes all
        // of it but 1,024 bytes.
        var settings = FacadeHost.SettingsFor(fixture.Upstream.BaseUrl);
        settings["Streaming:MemoryBudgetBytes"] = (UpstreamLimits.MaxPartMessageBytes + (4 * MiB) + 16).ToString(CultureInfo.InvariantCulture);
        settings["Streaming:MemoryWait"] = "00:00:00.500";
        await using var facade = new FacadeHost(settings);
        using var holder = new UploadFileCall(facade.Uploads);
        await holder.WriteMetadataAsync(new UploadFileMetadata { Filename = "a.jsonl", MimeType = "text/jsonl", Purpose = FilePurpose.FineTune, Bytes = 1024L * MiB, PartSize = 64 * MiB, Parallelism = 1 });
        await holder.WaitForAsync(events => events.Count > 0);
        Assert.NotNull(holder.Started);
        upstream.Reset();

        var started = System.Diagnostics.Stopwatch.StartNew();
        var ex = await RpcAssert.FailsAsync(StatusCode.ResourceExhausted, () => facade.Uploads.AddUploadPartAsync(new AddUploadPartRequest
        {
            UploadId = "upload_abc123", Data = UnsafeByteOperations.UnsafeWrap(new byte[MiB]),
        }).ResponseAsync);

        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(450), $"refused after {started.Elapsed}");
        Assert.Equal("MEMORY_EXHAUSTED", RpcAssert.ErrorInfo(ex).Reason);
        Assert.Equal(1, RpcAssert.Detail<RetryInfo>(ex)!.RetryDelay.Seconds);
        Assert.Empty(upstream.Requests);

        // A second stream cannot be admitted either: UploadFile keeps its own reason.
        using var refused = new UploadFileCall(facade.Uploads);
        await refused.WriteMetadataAsync(new UploadFileMetadata { Filename = "a.jsonl", MimeType = "text/jsonl", Purpose = FilePurpose.FineTune, Bytes = MiB });
        var failure = await refused.FinishFailingAsync(StatusCode.ResourceExhausted);
        Assert.Equal("STREAM_MEMORY_EXHAUSTED", RpcAssert.ErrorInfo(failure).Reason);
        Assert.NotNull(RpcAssert.Detail<RetryInfo>(failure));

        // A small message (under 64 KiB) reserves nothing and passes while the budget is full.
        upstream.Script((request, context) => ScriptedUpstream.Respond(context, 200, CancelledUpload));
        Assert.Equal("upload_lim", (await facade.Uploads.CancelUploadAsync(Calls.ValidCancel("upload_lim"))).Upload.Id);
    }

    [Fact]
    public async Task A_request_header_over_Kestrels_16_KiB_field_limit_closes_the_connection_with_COMPRESSION_ERROR()
    {
        var upstream = fixture.Fresh();
        upstream.Answer(200, CancelledUpload);
        var headers = new Metadata { { "x-padding", new string('a', 40 * 1024) } };
        // A channel of its own: Kestrel closes the whole connection, not only the call.
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(fixture.Facade.Address);

        var ex = await RpcAssert.FailsAsync(StatusCode.Internal, () => new UploadService.UploadServiceClient(channel).CancelUploadAsync(Calls.ValidCancel(), headers).ResponseAsync);

        // Kestrel refuses it while decoding the headers, before any middleware: no ErrorInfo can be attached. The
        // client reports the closed connection (COMPRESSION_ERROR, or the reset that follows it, by timing).
        Assert.StartsWith("Error starting gRPC call. HttpRequestException", ex.Status.Detail, StringComparison.Ordinal);
        Assert.Null(ex.GetRpcStatus());
        Assert.Empty(upstream.Requests);
        Assert.Equal("upload_lim", (await fixture.Uploads.CancelUploadAsync(Calls.ValidCancel("upload_lim"))).Upload.Id);
    }

    private static byte[] Frame(byte flags, byte[] message, int declaredLength)
    {
        var frame = new byte[5 + message.Length];
        frame[0] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)declaredLength);
        message.CopyTo(frame, 5);
        return frame;
    }

    /// <summary>One gRPC call as raw HTTP/2 (h2c), for frames no gRPC client would send; returns grpc-status and the rich status.</summary>
    private async Task<(StatusCode Status, Google.Rpc.Status Details)> RawUnaryAsync(string path, byte[] body)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(fixture.Facade.Address, path))
        {
            Content = new ByteArrayContent(body), Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        using var response = await http.SendAsync(request);
        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode} {response.Version} {response.Headers} {answer}");
        string Value(string name) => response.TrailingHeaders.TryGetValues(name, out var t) ? t.Single()
            : response.Headers.TryGetValues(name, out var h) ? h.Single() : throw new Xunit.Sdk.XunitException($"no {name}");
        var details = Value("grpc-status-details-bin");
        details = details.PadRight(details.Length + ((4 - (details.Length % 4)) % 4), '=');
        return ((StatusCode)int.Parse(Value("grpc-status"), CultureInfo.InvariantCulture), Google.Rpc.Status.Parser.ParseFrom(Convert.FromBase64String(details)));
    }
}
