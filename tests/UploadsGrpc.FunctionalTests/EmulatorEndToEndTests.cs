using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests;

/// <summary>The four RPCs through the façade's process to its embedded emulator, on real sockets both ways.</summary>
public sealed class EmulatorEndToEndTests(EmbeddedEmulatorServer host) : IClassFixture<EmbeddedEmulatorServer>
{
    private const int MiB = 1024 * 1024;

    private static CreateUploadRequest NewUpload(long bytes, string filename = "data.bin") => new()
    {
        Filename = filename,
        Purpose = FilePurpose.Batch,
        Bytes = bytes,
        MimeType = "application/octet-stream",
    };

    [Fact]
    public async Task Create_parts_complete_and_cancel_another()
    {
        var uploads = host.Server.Uploads;
        var created = (await uploads.CreateUploadAsync(NewUpload(11, "héllo wörld.jsonl"))).Upload;
        Assert.Equal(UploadStatus.Pending, created.Status);
        Assert.Equal("pending", created.StatusValue);
        Assert.Equal(FilePurpose.Batch, created.Purpose);
        Assert.Equal("héllo wörld.jsonl", created.Filename);
        Assert.Equal(3600, created.ExpiresAt.Seconds - created.CreatedAt.Seconds);

        var world = (await uploads.AddUploadPartAsync(new AddUploadPartRequest { UploadId = created.Id, Data = ByteString.CopyFromUtf8(" world") })).Part;
        var hello = (await uploads.AddUploadPartAsync(new AddUploadPartRequest { UploadId = created.Id, Data = ByteString.CopyFromUtf8("hello") })).Part;
        Assert.Equal(created.Id, hello.UploadId);

        var complete = new CompleteUploadRequest { UploadId = created.Id, Md5 = Convert.ToHexStringLower(MD5.HashData("hello world"u8)) };
        complete.PartIds.Add([hello.Id, world.Id]);
        var completed = (await uploads.CompleteUploadAsync(complete)).Upload;
        Assert.Equal(UploadStatus.Completed, completed.Status);
        Assert.Equal(11, completed.File.Bytes);
#pragma warning disable CS0612 // deprecated upstream, still mapped
        Assert.Equal(FileStatus.Processed, completed.File.Status);
#pragma warning restore CS0612
        Assert.Equal("hello world", await host.Emulator.GetStringAsync($"v1/files/{completed.File.Id}/content"));

        var other = (await uploads.CreateUploadAsync(NewUpload(5))).Upload;
        var cancelled = (await uploads.CancelUploadAsync(new CancelUploadRequest { UploadId = other.Id })).Upload;
        Assert.Equal(UploadStatus.Cancelled, cancelled.Status);
        Assert.Equal("cancelled", (await host.AdminUploadAsync(other.Id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_emulators_refusals_arrive_as_precise_statuses_with_error_info()
    {
        var uploads = host.Server.Uploads;
        var upload = (await uploads.CreateUploadAsync(NewUpload(5))).Upload;
        await uploads.CancelUploadAsync(new CancelUploadRequest { UploadId = upload.Id });

        var again = await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => uploads.CancelUploadAsync(new CancelUploadRequest { UploadId = upload.Id }).ResponseAsync);
        var info = RpcAssert.ErrorInfo(again);
        Assert.Equal("api.openai.com", info.Domain);
        Assert.Equal("UPLOAD_NOT_PENDING", info.Reason);
        Assert.Equal("400", info.Metadata["http_status"]);
        Assert.StartsWith("req_", info.Metadata["request_id"], StringComparison.Ordinal);
        Assert.Equal(info.Metadata["request_id"], again.Trailers.GetValue("x-request-id"));

        var missing = await RpcAssert.FailsAsync(StatusCode.NotFound, () => uploads.CancelUploadAsync(new CancelUploadRequest { UploadId = "upload_nope" }).ResponseAsync);
        Assert.Equal("id", RpcAssert.ErrorInfo(missing).Metadata["param"]);

        var fresh = (await uploads.CreateUploadAsync(NewUpload(5))).Upload;
        var part = (await uploads.AddUploadPartAsync(new AddUploadPartRequest { UploadId = fresh.Id, Data = ByteString.CopyFromUtf8("four") })).Part;
        var shortBy1 = new CompleteUploadRequest { UploadId = fresh.Id };
        shortBy1.PartIds.Add(part.Id);
        var mismatch = await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => uploads.CompleteUploadAsync(shortBy1).ResponseAsync);
        Assert.Equal("part_ids", RpcAssert.ErrorInfo(mismatch).Metadata["param"]);
        Assert.Equal("pending", (await host.AdminUploadAsync(fresh.Id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Hundred_MiB_in_ten_parts_sent_in_reverse_completes_byte_identical_without_memory_growing_with_parts()
    {
        var uploads = host.Server.Uploads;
        var data = new byte[100 * MiB];
        new Random(2026).NextBytes(data);
        var upload = (await uploads.CreateUploadAsync(NewUpload(data.Length, "hundred.bin"))).Upload;

        var partIds = new string[10];
        long peakAfterTwo = 0;
        for (var sent = 0; sent < 10; sent++)
        {
            var index = 9 - sent;
            var part = await uploads.AddUploadPartAsync(new AddUploadPartRequest
            {
                UploadId = upload.Id,
                Data = UnsafeByteOperations.UnsafeWrap(data.AsMemory(index * 10 * MiB, 10 * MiB)),
            });
            partIds[index] = part.Part.Id;
            if (sent == 1)
            {
                peakAfterTwo = host.Server.PeakResidentBytes();
            }
        }
        var peakAfterTen = host.Server.PeakResidentBytes();

        var complete = new CompleteUploadRequest { UploadId = upload.Id, Md5 = Convert.ToHexStringLower(MD5.HashData(data)) };
        complete.PartIds.Add(partIds);
        var file = (await uploads.CompleteUploadAsync(complete)).Upload.File;
        Assert.Equal(100 * MiB, file.Bytes);

        var content = await host.Emulator.GetByteArrayAsync($"v1/files/{file.Id}/content");
        Assert.True(data.AsSpan().SequenceEqual(content), "the File's content differs from the bytes sent");
        Assert.True(peakAfterTen <= peakAfterTwo * 1.15,
            $"the server's peak RSS grew with the number of parts: {peakAfterTwo / MiB} MiB after 2 parts, {peakAfterTen / MiB} MiB after 10");
    }
}
