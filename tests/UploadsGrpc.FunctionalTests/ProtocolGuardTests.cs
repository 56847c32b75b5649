using System.Net;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests;

/// <summary>
/// Requests whose bytes arrived but are not what gRPC and protobuf promise, against the server process: each gets
/// its exact status and ErrorInfo reason, nothing goes upstream, an UploadFile's upload is cancelled, and the
/// server stays up.
/// </summary>
[Collection(ProcessTests.Name)]
public sealed class ProtocolGuardTests(StandaloneDeployment stack) : IClassFixture<StandaloneDeployment>
{
    private const string Uploads = "uploadsgrpc.v1.UploadService";
    private const string Files = "uploadsgrpc.v1.FileService";

    public static TheoryData<string, byte[]> Malformed => new()
    {
        { "garbage", [0xFF, 0xFF, 0xFF, 0xFF, 0xFF] },
        { "zero tag", [0x00] },
        { "bad wire type", [0x0F, 0x01] },
        { "truncated varint", [0x20, 0xFF, 0xFF] },
        { "nested length past the end", [0x0A, 0x64, 0x41] },
        { "invalid UTF-8 in a string", [0x0A, 0x02, 0xC3, 0x28] },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task A_unary_request_protobuf_cannot_parse_is_INVALID_ARGUMENT_MALFORMED_MESSAGE_and_nothing_goes_upstream(string kind, byte[] message)
    {
        var before = await stack.Emulator.RequestTotalAsync();

        var ex = await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => RawGrpc.UnaryAsync(stack.Server.Channel, Uploads, "CreateUpload", message));

        var info = RpcAssert.ErrorInfo(ex);
        Assert.Equal(("uploadsgrpc", "MALFORMED_MESSAGE"), (info.Domain, info.Reason));
        Assert.Equal("uploadsgrpc.v1.CreateUploadRequest", info.Metadata["message_type"]);
        Assert.StartsWith("The request message is not a valid uploadsgrpc.v1.CreateUploadRequest: ", ex.Status.Detail, StringComparison.Ordinal);
        Assert.True(before == await stack.Emulator.RequestTotalAsync(), kind);
        await ServerStaysUpAsync();
    }

    [Theory]
    [InlineData(Files, "GetFile", MethodType.Unary, "uploadsgrpc.v1.GetFileRequest")]
    [InlineData(Files, "DownloadFile", MethodType.ServerStreaming, "uploadsgrpc.v1.DownloadFileRequest")]
    [InlineData(Files, "CreateFile", MethodType.ClientStreaming, "uploadsgrpc.v1.CreateFileRequest")]
    [InlineData(Uploads, "UploadFile", MethodType.DuplexStreaming, "uploadsgrpc.v1.UploadFileRequest")]
    [InlineData("grpc.health.v1.Health", "Check", MethodType.Unary, "grpc.health.v1.HealthCheckRequest")]
    [InlineData("grpc.health.v1.Health", "Watch", MethodType.ServerStreaming, "grpc.health.v1.HealthCheckRequest")]
    public async Task Every_method_of_every_shape_reports_a_message_it_cannot_parse_as_MALFORMED_MESSAGE(string service, string method, MethodType type, string messageType)
    {
        var before = await stack.Emulator.RequestTotalAsync();
        byte[] garbage = [0x0A, 0x64, 0x41];

        var ex = type == MethodType.Unary
            ? await Assert.ThrowsAsync<RpcException>(() => RawGrpc.UnaryAsync(stack.Server.Channel, service, method, garbage))
            : (await RawGrpc.StreamAsync(stack.Server.Channel, type, service, method, garbage)).Failure;

        Assert.NotNull(ex);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        var info = RpcAssert.ErrorInfo(ex);
        Assert.Equal(("uploadsgrpc", "MALFORMED_MESSAGE", messageType), (info.Domain, info.Reason, info.Metadata["message_type"]));
        Assert.Equal(before, await stack.Emulator.RequestTotalAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_malformed_message_inside_UploadFile_is_MALFORMED_MESSAGE_and_cancels_the_upload_resumable_or_not(bool resumable)
    {
        var known = await UploadIdsAsync();
        var metadata = new UploadFileRequest { Metadata = UploadFileTests.Metadata(10, resumable: resumable) }.ToByteArray();

        var (_, failure) = await RawGrpc.StreamAsync(stack.Server.Channel, MethodType.DuplexStreaming, Uploads, "UploadFile", metadata, [0x12, 0x64, 0x41]);

        Assert.NotNull(failure);
        Assert.Equal(StatusCode.InvalidArgument, failure.StatusCode);
        Assert.Equal("MALFORMED_MESSAGE", RpcAssert.ErrorInfo(failure).Reason);
        var created = Assert.Single((await UploadIdsAsync()).Except(known));
        Assert.Equal("cancelled", (await stack.Emulator.AdminUploadAsync(created)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_gzip_payload_that_does_not_decompress_is_INTERNAL_MALFORMED_FRAME_unary_and_in_UploadFile()
    {
        var before = await stack.Emulator.RequestTotalAsync();
        // A gzip header, then a deflate block of the reserved type 3.
        byte[] notGzip = [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF];

        var unary = await RawGrpc.PostAsync(stack.Server.Address, $"/{Uploads}/CreateUpload", RawGrpc.Frame(notGzip, flag: 1), headers: ("grpc-encoding", "gzip"));

        Assert.Equal((200, StatusCode.Internal), (unary.HttpStatus, unary.Status));
        Assert.Equal(("uploadsgrpc", "MALFORMED_FRAME", "gzip"), (unary.ErrorInfo!.Domain, unary.ErrorInfo.Reason, unary.ErrorInfo.Metadata["encoding"]));
        Assert.Equal("A request message marked as compressed with gzip does not decompress.", unary.Message);
        Assert.Equal(before, await stack.Emulator.RequestTotalAsync());

        var known = await UploadIdsAsync();
        var metadata = RawGrpc.Frame(new UploadFileRequest { Metadata = UploadFileTests.Metadata(10, resumable: true) });
        var stream = await RawGrpc.PostAsync(stack.Server.Address, $"/{Uploads}/UploadFile", [.. metadata, .. RawGrpc.Frame(notGzip, flag: 1)],
            headers: ("grpc-encoding", "gzip"));

        Assert.Equal((StatusCode.Internal, "MALFORMED_FRAME"), (stream.Status, stream.ErrorInfo!.Reason));
        var created = Assert.Single((await UploadIdsAsync()).Except(known));
        Assert.Equal("cancelled", (await stack.Emulator.AdminUploadAsync(created)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_compressed_message_of_an_unsupported_encoding_is_UNIMPLEMENTED_UNSUPPORTED_ENCODING_unary_and_in_UploadFile()
    {
        var payload = RawGrpc.Frame(new CreateUploadRequest { Filename = "a" }.ToByteArray(), flag: 1);

        var unary = await RawGrpc.PostAsync(stack.Server.Address, $"/{Uploads}/CreateUpload", payload, headers: ("grpc-encoding", "zstd"));

        Assert.Equal((200, StatusCode.Unimplemented), (unary.HttpStatus, unary.Status));
        Assert.Equal("UNSUPPORTED_ENCODING", unary.ErrorInfo!.Reason);
        Assert.Equal("Unsupported grpc-encoding value 'zstd'. Supported encodings: identity, gzip, deflate", unary.Message);
        Assert.Equal("identity,gzip,deflate", unary.Headers["grpc-accept-encoding"]);

        var metadata = RawGrpc.Frame(new UploadFileRequest { Metadata = UploadFileTests.Metadata(10) });
        var stream = await RawGrpc.PostAsync(stack.Server.Address, $"/{Uploads}/UploadFile", [.. metadata, .. payload], headers: ("grpc-encoding", "zstd"));

        Assert.Equal((StatusCode.Unimplemented, "UNSUPPORTED_ENCODING"), (stream.Status, stream.ErrorInfo!.Reason));
    }

    [Theory]
    [InlineData("/uploadsgrpc.v1.UploadService/NoSuchMethod")]
    [InlineData("/uploadsgrpc.v1.NoSuchService/CreateUpload")]
    [InlineData("/grpc.health.v1.Health/NoSuchMethod")]
    public async Task An_unknown_method_is_UNIMPLEMENTED_UNKNOWN_METHOD(string path)
    {
        var parts = path.Split('/');
        var ex = await RpcAssert.FailsAsync(StatusCode.Unimplemented, () => RawGrpc.UnaryAsync(stack.Server.Channel, parts[1], parts[2], []));

        var info = RpcAssert.ErrorInfo(ex);
        Assert.Equal(("uploadsgrpc", "UNKNOWN_METHOD"), (info.Domain, info.Reason));
        Assert.Equal(parts[1] == "uploadsgrpc.v1.NoSuchService" ? "Service is unimplemented." : "Method is unimplemented.", ex.Status.Detail);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    [InlineData(null)]
    public async Task A_content_type_that_is_not_gRPC_is_HTTP_415_with_INTERNAL_and_an_ErrorInfo(string? contentType)
    {
        var response = await RawGrpc.PostAsync(stack.Server.Address, $"/{Uploads}/CreateUpload", RawGrpc.Frame([]), contentType);

        Assert.Equal((415, StatusCode.Internal), (response.HttpStatus, response.Status));
        Assert.Equal(("uploadsgrpc", "UNSUPPORTED_CONTENT_TYPE"), (response.ErrorInfo!.Domain, response.ErrorInfo.Reason));
        Assert.Equal(contentType is null ? "Content-Type is missing from the request." : $"Content-Type '{contentType}' is not supported.", response.Message);
        await ServerStaysUpAsync();
    }

    [Fact]
    public async Task An_unknown_path_without_the_gRPC_content_type_is_a_plain_HTTP_404_without_a_gRPC_status()
    {
        var response = await RawGrpc.PostAsync(stack.Server.Address, "/no/such/path", [], "text/plain");

        Assert.Equal(404, response.HttpStatus);
        Assert.Null(response.Status);
    }

    [Fact]
    public async Task HTTP_1_1_on_the_cleartext_gRPC_port_is_a_plain_HTTP_400_from_Kestrel_and_the_server_stays_up()
    {
        // The port speaks HTTP/2 with prior knowledge only: Kestrel recognises the HTTP/1.1 request line in place of
        // the connection preface, answers it in HTTP/1.1 with a 400 and a text body, and closes the connection. No
        // gRPC code runs, so there is no gRPC status to carry an ErrorInfo.
        var response = await RawGrpc.PostAsync(stack.Server.Address, $"/{Uploads}/CreateUpload", RawGrpc.Frame([]), version: HttpVersion.Version11);

        Assert.Equal((400, HttpVersion.Version11, null), (response.HttpStatus, response.Version, response.Status));
        Assert.Equal("An HTTP/1.x request was sent to an HTTP/2 only endpoint.", response.Body);
        await ServerStaysUpAsync();
    }

    private async Task ServerStaysUpAsync()
    {
        var health = new Grpc.Health.V1.Health.HealthClient(stack.Server.Channel);
        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new())).Status);
    }

    private async Task<HashSet<string>> UploadIdsAsync()
    {
        using var list = JsonDocument.Parse(await stack.Emulator.Http.GetStringAsync("_admin/uploads"));
        return [.. list.RootElement.GetProperty("ids").EnumerateArray().Select(id => id.GetString()!)];
    }
}
