using System.IO.Compression;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Compression;
using UploadsGrpc.Server.Protocol;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Tests.Protocol;

/// <summary>The guarded marshaller and decompression: what protobuf and zlib throw becomes a status with an ErrorInfo.</summary>
public sealed class MessageGuardTests
{
    public static TheoryData<byte[]> Malformed => new()
    {
        new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF },
        new byte[] { 0x00 },
        new byte[] { 0x0F, 0x01 },
        new byte[] { 0x20, 0xFF, 0xFF },
        new byte[] { 0x0A, 0x64, 0x41 },
        new byte[] { 0x0A, 0x02, 0xC3, 0x28 },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Bytes_protobuf_cannot_parse_become_INVALID_ARGUMENT_MALFORMED_MESSAGE_naming_the_message_type(byte[] payload)
    {
        var method = MessageGuard.Guard(CreateUploadMethod());

        var ex = Assert.Throws<RpcException>(() => method.RequestMarshaller.ContextualDeserializer(new BufferDeserializationContext(payload)));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        var status = ex.GetRpcStatus()!;
        var info = status.GetDetail<ErrorInfo>()!;
        Assert.Equal(("uploadsgrpc", "MALFORMED_MESSAGE"), (info.Domain, info.Reason));
        Assert.Equal("uploadsgrpc.v1.CreateUploadRequest", info.Metadata["message_type"]);
        Assert.StartsWith("The request message is not a valid uploadsgrpc.v1.CreateUploadRequest: ", status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_message_still_parses_and_the_method_keeps_its_name_type_and_response_marshaller()
    {
        var original = CreateUploadMethod();
        var method = MessageGuard.Guard(original);
        var request = new CreateUploadRequest { Filename = "a.jsonl", Bytes = 3 };

        var parsed = method.RequestMarshaller.ContextualDeserializer(new BufferDeserializationContext(Google.Protobuf.MessageExtensions.ToByteArray(request)));

        Assert.Equal(request, parsed);
        Assert.Equal((original.FullName, original.Type), (method.FullName, method.Type));
        Assert.Same(original.ResponseMarshaller, method.ResponseMarshaller);
    }

    [Fact]
    public void A_payload_that_does_not_gunzip_is_INTERNAL_MALFORMED_FRAME()
    {
        var provider = new GuardedCompressionProvider(new GzipCompressionProvider(CompressionLevel.Fastest), () => 1024);
        using var stream = provider.CreateDecompressionStream(new MemoryStream([0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]));

        var ex = Assert.Throws<RpcException>(() => stream.CopyTo(new MemoryStream()));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.Equal("MALFORMED_FRAME", ex.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason);
    }

    [Fact]
    public void A_payload_that_inflates_past_the_limit_is_RESOURCE_EXHAUSTED_MESSAGE_TOO_LARGE_and_one_within_it_passes()
    {
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(new byte[4096]);
        }
        var provider = new GuardedCompressionProvider(new GzipCompressionProvider(CompressionLevel.Fastest), () => 4096);
        using (var exact = provider.CreateDecompressionStream(new MemoryStream(compressed.ToArray())))
        {
            var output = new MemoryStream();
            exact.CopyTo(output);
            Assert.Equal(4096, output.Length);
        }
        var smaller = new GuardedCompressionProvider(new GzipCompressionProvider(CompressionLevel.Fastest), () => 4095);
        using var stream = smaller.CreateDecompressionStream(new MemoryStream(compressed.ToArray()));

        var ex = Assert.Throws<RpcException>(() => stream.CopyTo(new MemoryStream()));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        var info = ex.GetRpcStatus()!.GetDetail<ErrorInfo>()!;
        Assert.Equal(("MESSAGE_TOO_LARGE", "4095"), (info.Reason, info.Metadata["limit_bytes"]));
    }

    private static Method<CreateUploadRequest, CreateUploadResponse> CreateUploadMethod()
    {
        var binder = new CapturingBinder();
        UploadService.BindService(binder, null!);
        return binder.CreateUpload!;
    }

    /// <summary>Takes the generated Method of CreateUpload from BindService, as the server's binder receives it.</summary>
    private sealed class CapturingBinder : ServiceBinderBase
    {
        public Method<CreateUploadRequest, CreateUploadResponse>? CreateUpload { get; private set; }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            if (method is Method<CreateUploadRequest, CreateUploadResponse> create)
            {
                CreateUpload = create;
            }
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        {
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
        {
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        {
        }
    }
}
