using Grpc.Core;
using UploadsGrpc.FunctionalTests.Infrastructure;

namespace UploadsGrpc.FunctionalTests;

/// <summary>
/// Reflection (open in Development) parses its requests with the guarded marshaller too. In Production it is
/// closed, and admission refuses the call before the stream's first message is read.
/// </summary>
public sealed class ReflectionGuardTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    [Theory]
    [InlineData("grpc.reflection.v1.ServerReflection", "grpc.reflection.v1.ServerReflectionRequest")]
    [InlineData("grpc.reflection.v1alpha.ServerReflection", "grpc.reflection.v1alpha.ServerReflectionRequest")]
    public async Task A_reflection_request_protobuf_cannot_parse_is_MALFORMED_MESSAGE(string service, string messageType)
    {
        var (_, failure) = await RawGrpc.StreamAsync(fixture.Facade.Channel, MethodType.DuplexStreaming, service, "ServerReflectionInfo", [0x0A, 0x64, 0x41]);

        Assert.NotNull(failure);
        Assert.Equal(StatusCode.InvalidArgument, failure.StatusCode);
        var info = RpcAssert.ErrorInfo(failure);
        Assert.Equal(("uploadsgrpc", "MALFORMED_MESSAGE", messageType), (info.Domain, info.Reason, info.Metadata["message_type"]));
    }
}
