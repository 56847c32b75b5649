using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.Server.Upstream;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests;

/// <summary>
/// Kestrel's and gRPC's size limits, on a real socket: a full 64 MiB part goes through byte for byte; a larger
/// message is RESOURCE_EXHAUSTED (never UNKNOWN) and never reaches the upstream.
/// </summary>
public sealed class LargePartTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    [Fact]
    public async Task A_64_MiB_part_reaches_the_upstream_intact()
    {
        var upstream = fixture.Fresh();
        upstream.Answer(200, """{"id":"part_big","object":"upload.part","created_at":1719185911,"upload_id":"upload_abc123"}""");
        var data = new byte[UpstreamLimits.MaxPartBytes];
        new Random(7).NextBytes(data);

        var response = await fixture.Uploads.AddUploadPartAsync(new AddUploadPartRequest
        {
            UploadId = "upload_abc123", Data = UnsafeByteOperations.UnsafeWrap(data),
        });

        Assert.Equal("part_big", response.Part.Id);
        var (_, _, body) = await RequestShapeTests.SingleMultipartSection(Assert.Single(upstream.Requests));
        Assert.Equal(67_108_864, body.Length);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(body));
    }

    [Fact]
    public async Task A_part_of_64_MiB_plus_1_KiB_is_RESOURCE_EXHAUSTED_without_an_upstream_request()
    {
        var upstream = fixture.Fresh();
        var data = new byte[UpstreamLimits.MaxPartBytes + 1024];

        var ex = await RpcAssert.FailsAsync(StatusCode.ResourceExhausted, () => fixture.Uploads.AddUploadPartAsync(new AddUploadPartRequest
        {
            UploadId = "upload_abc123", Data = UnsafeByteOperations.UnsafeWrap(data),
        }).ResponseAsync);

        Assert.Equal("MESSAGE_TOO_LARGE", RpcAssert.ErrorInfo(ex).Reason);
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task A_part_just_over_64_MiB_within_the_framing_allowance_is_INVALID_ARGUMENT_naming_data()
    {
        var upstream = fixture.Fresh();
        var data = new byte[UpstreamLimits.MaxPartBytes + 1];

        var ex = await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => fixture.Uploads.AddUploadPartAsync(new AddUploadPartRequest
        {
            UploadId = "upload_abc123", Data = UnsafeByteOperations.UnsafeWrap(data),
        }).ResponseAsync);

        Assert.Equal(["data"], RpcAssert.BadFields(ex));
        Assert.Empty(upstream.Requests);
    }
}
