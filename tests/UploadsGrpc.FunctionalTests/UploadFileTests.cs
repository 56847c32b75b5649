using System.Security.Cryptography;
using Google.Rpc;
using Grpc.Core;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests;

/// <summary>UploadFile through the server process to the standalone emulator: events, checks and clean-up.</summary>
[Collection(ProcessTests.Name)]
public sealed class UploadFileTests(StandaloneDeployment stack) : IClassFixture<StandaloneDeployment>
{
    private const int MiB = 1024 * 1024;

    internal static UploadFileMetadata Metadata(long bytes, int partSize = MiB, int parallelism = 3, bool resumable = false) => new()
    {
        Filename = "stream.bin",
        Purpose = FilePurpose.Batch,
        Bytes = bytes,
        MimeType = "application/octet-stream",
        PartSize = partSize,
        Parallelism = parallelism,
        Resumable = resumable,
    };

    [Fact]
    public async Task A_file_goes_up_in_parts_and_every_event_says_what_happened()
    {
        const long bytes = 10 * MiB + 12345;
        using var call = new UploadFileCall(stack.Server.Uploads);
        await call.WriteMetadataAsync(Metadata(bytes));
        // Chunks that do not align with parts, so the server has to cut them.
        await call.WriteGeneratedAsync(0, bytes, chunkSize: 100_000);
        var completed = await call.FinishAsync();

        var events = call.Events;
        Assert.Equal(UploadFileResponse.EventOneofCase.Started, events[0].EventCase);
        var started = events[0].Started;
        Assert.Equal(MiB, started.PartSize);
        Assert.Equal(0, started.ResumeOffset);
        Assert.Equal(UploadStatus.Pending, started.Upload.Status);
        Assert.Equal(bytes, started.Upload.Bytes);
        Assert.Equal(started.UploadId, started.Upload.Id);

        var parts = call.Committed.OrderBy(p => p.Index).ToList();
        Assert.Equal(11, parts.Count);
        for (var i = 0; i < parts.Count; i++)
        {
            Assert.Equal(i, parts[i].Index);
            Assert.Equal((long)i * MiB, parts[i].Offset);
            Assert.Equal(i < 10 ? MiB : 12345, parts[i].Length);
            Assert.StartsWith("part_", parts[i].PartId, StringComparison.Ordinal);
        }
        var progress = events.Where(e => e.EventCase == UploadFileResponse.EventOneofCase.Progress).Select(e => e.Progress).ToList();
        Assert.InRange(progress.Count, 11, 11 + 60);
        Assert.Equal(bytes, progress[^1].BytesCommitted);
        Assert.Equal(bytes, progress[^1].BytesReceived);
        Assert.All(progress, p => Assert.True(p.BytesCommitted <= p.BytesReceived));
        Assert.Equal(1, events.Count(e => e.EventCase == UploadFileResponse.EventOneofCase.Completed));

        Assert.Equal(bytes, completed.Bytes);
        Assert.Equal(TestData.Md5(bytes), completed.Md5);
        Assert.Equal(UploadStatus.Completed, completed.Upload.Status);
        Assert.Equal(bytes, completed.Upload.File.Bytes);
        Assert.Equal("stream.bin", completed.Upload.File.Filename);
        var content = await stack.Emulator.Http.GetByteArrayAsync($"v1/files/{completed.Upload.File.Id}/content");
        Assert.Equal(TestData.Md5(bytes), Convert.ToHexStringLower(MD5.HashData(content)));
        var admin = await stack.Emulator.AdminUploadAsync(started.UploadId);
        Assert.Equal(11, admin.GetProperty("parts").GetArrayLength());
    }

    [Fact]
    public async Task A_chunk_before_the_metadata_is_invalid_and_nothing_reaches_the_upstream()
    {
        var before = await RequestCountAsync();
        using var call = new UploadFileCall(stack.Server.Uploads);
        await call.WriteChunkAsync(TestData.Bytes(0, 1000));
        var failure = await call.FinishFailingAsync(StatusCode.InvalidArgument);

        AssertViolation(failure, "metadata");
        Assert.Null(failure.Trailers.GetValue("x-request-id"));
        Assert.Equal(before, await RequestCountAsync());
    }

    [Fact]
    public async Task Invalid_metadata_names_each_field_before_anything_is_created()
    {
        var before = await RequestCountAsync();
        using var call = new UploadFileCall(stack.Server.Uploads);
        await call.WriteMetadataAsync(new UploadFileMetadata { Bytes = 0, PartSize = 1000, Parallelism = 17, Md5 = "xyz" });
        var failure = await call.FinishFailingAsync(StatusCode.InvalidArgument);

        var fields = failure.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field).ToList();
        Assert.Equal(["metadata.bytes", "metadata.filename", "metadata.mime_type", "metadata.purpose", "metadata.md5", "metadata.part_size", "metadata.parallelism"], fields);
        Assert.Equal(before, await RequestCountAsync());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(+1)]
    public async Task A_byte_count_that_differs_from_the_metadata_is_invalid_and_cancels_the_upload(int difference)
    {
        const long bytes = 3 * MiB;
        using var call = new UploadFileCall(stack.Server.Uploads);
        await call.WriteMetadataAsync(Metadata(bytes));
        await call.WriteGeneratedAsync(0, bytes + difference);
        var failure = await call.FinishFailingAsync(StatusCode.InvalidArgument);

        AssertViolation(failure, "bytes");
        Assert.Equal("cancelled", (await stack.Emulator.AdminUploadAsync(call.Started!.UploadId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_wrong_md5_is_invalid_and_cancels_the_upload()
    {
        const long bytes = 2 * MiB + 7;
        using var call = new UploadFileCall(stack.Server.Uploads);
        var metadata = Metadata(bytes);
        metadata.Md5 = new string('0', 32);
        await call.WriteMetadataAsync(metadata);
        await call.WriteGeneratedAsync(0, bytes);
        var failure = await call.FinishFailingAsync(StatusCode.InvalidArgument);

        var violation = AssertViolation(failure, "md5");
        Assert.Contains(TestData.Md5(bytes), violation.Description, StringComparison.Ordinal);
        Assert.Equal("cancelled", (await stack.Emulator.AdminUploadAsync(call.Started!.UploadId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_right_md5_from_the_client_is_checked_and_kept()
    {
        const long bytes = 2 * MiB + 7;
        using var call = new UploadFileCall(stack.Server.Uploads);
        var metadata = Metadata(bytes);
        metadata.Md5 = TestData.Md5(bytes).ToUpperInvariant();
        await call.WriteMetadataAsync(metadata);
        await call.WriteGeneratedAsync(0, bytes);
        var completed = await call.FinishAsync();
        Assert.Equal(TestData.Md5(bytes), completed.Md5);
    }

    [Fact]
    public async Task A_client_that_cancels_half_way_leaves_nothing_behind()
    {
        const long bytes = 16 * MiB;
        using var cancel = new CancellationTokenSource();
        using var call = new UploadFileCall(stack.Server.Uploads, cancellation: cancel.Token);
        await call.WriteMetadataAsync(Metadata(bytes, parallelism: 2));
        await call.WriteGeneratedAsync(0, bytes / 2);
        await call.WaitForAsync(events => events.Any(e => e.EventCase == UploadFileResponse.EventOneofCase.PartCommitted));
        var uploadId = call.Started!.UploadId;
        await cancel.CancelAsync();

        await Poll.UntilAsync(async () => (await stack.Emulator.AdminUploadAsync(uploadId)).GetProperty("status").GetString() == "cancelled", TimeSpan.FromSeconds(5));
        var parts = (await stack.Emulator.AdminUploadAsync(uploadId)).GetProperty("parts").EnumerateArray().ToList();
        Assert.NotEmpty(parts);
        Assert.All(parts, p => Assert.False(p.GetProperty("on_disk").GetBoolean()));
    }

    [Fact]
    public async Task A_stream_cancelled_while_waiting_for_a_slot_leaves_no_shared_buffer_behind()
    {
        // Slow parts and one slot: the reader waits for the slot with a full buffer when the client cancels.
        await stack.Emulator.SetFaultsAsync(new { seed = 3, rules = new[] { new { route = "add_part", latency_ms = 300 } } });
        try
        {
            using (var cancel = new CancellationTokenSource())
            {
                using var blocked = new UploadFileCall(stack.Server.Uploads, cancellation: cancel.Token);
                await blocked.WriteMetadataAsync(Metadata(8 * MiB, parallelism: 1));
                await blocked.WriteGeneratedAsync(0, 4 * MiB);
                await cancel.CancelAsync();
            }
            await Task.Delay(500);
        }
        finally
        {
            await stack.Emulator.ClearFaultsAsync();
        }

        // Were a buffer in the pool twice, two parts of these uploads would share it and the MD5s would break.
        var uploads = Enumerable.Range(0, 3).Select(async i =>
        {
            const long bytes = 6 * MiB;
            using var call = new UploadFileCall(stack.Server.Uploads);
            await call.WriteMetadataAsync(Metadata(bytes, parallelism: 4));
            await call.WriteGeneratedAsync(0, bytes);
            return await call.FinishAsync();
        });
        Assert.All(await Task.WhenAll(uploads), completed => Assert.Equal(TestData.Md5(6 * MiB), completed.Md5));
    }

    [Fact]
    public async Task A_resumable_upload_survives_a_broken_stream_and_resumes_with_only_the_rest()
    {
        const long bytes = 6 * MiB;
        List<CommittedPart> told;
        string uploadId;
        using (var cancel = new CancellationTokenSource())
        {
            using var first = new UploadFileCall(stack.Server.Uploads, cancellation: cancel.Token);
            await first.WriteMetadataAsync(Metadata(bytes, parallelism: 1, resumable: true));
            // Three parts and a little of the fourth, so the fourth is not complete when the stream breaks.
            await first.WriteGeneratedAsync(0, 3 * MiB + 1000);
            await first.WaitForAsync(events => events.Count(e => e.EventCase == UploadFileResponse.EventOneofCase.PartCommitted) == 3);
            told = first.Committed;
            uploadId = first.Started!.UploadId;
            await cancel.CancelAsync();
        }
        Assert.Equal(3, told.Count);
        // Give the server time to notice the broken stream; the upload must stay pending all the same.
        await Task.Delay(500);
        var admin = await stack.Emulator.AdminUploadAsync(uploadId);
        Assert.Equal("pending", admin.GetProperty("status").GetString());
        Assert.Equal(3 * MiB, admin.GetProperty("received_bytes").GetInt64());

        using var second = new UploadFileCall(stack.Server.Uploads);
        var metadata = new UploadFileMetadata { Bytes = bytes, PartSize = MiB, Resume = new ResumeFrom { UploadId = uploadId } };
        // Told in any order: the server sorts them by index.
        metadata.Resume.Parts.Add(told.OrderByDescending(p => p.Index));
        await second.WriteMetadataAsync(metadata);
        await second.WaitForAsync(events => events.Count > 0);
        Assert.Equal(3 * MiB, second.Started!.ResumeOffset);
        Assert.Null(second.Started.Upload);
        await second.WriteGeneratedAsync(3 * MiB, bytes - (3 * MiB));
        var completed = await second.FinishAsync();

        Assert.Equal([3, 4, 5], second.Committed.Select(p => p.Index).Order());
        Assert.Equal("", completed.Md5);
        var content = await stack.Emulator.Http.GetByteArrayAsync($"v1/files/{completed.Upload.File.Id}/content");
        Assert.Equal(TestData.Md5(bytes), Convert.ToHexStringLower(MD5.HashData(content)));
        // Only the parts of the two streams that were told to the client make the file.
        Assert.Equal(bytes, completed.Upload.File.Bytes);
    }

    [Fact]
    public async Task A_part_failing_for_good_ends_with_the_upstream_status_and_cancels_the_upload()
    {
        await stack.Emulator.SetFaultsAsync(new { seed = 7, rules = new[] { new { route = "add_part", probability = 1.0, status = 500 } } });
        try
        {
            const long bytes = 3 * MiB;
            using var call = new UploadFileCall(stack.Server.Uploads);
            await call.WriteMetadataAsync(Metadata(bytes, parallelism: 1));
            await call.WriteGeneratedAsync(0, bytes);
            var failure = await call.FinishFailingAsync(StatusCode.Internal);

            var info = failure.GetRpcStatus()!.GetDetail<ErrorInfo>();
            Assert.Equal("api.openai.com", info.Domain);
            Assert.Equal("500", info.Metadata["http_status"]);
            Assert.StartsWith("req_", failure.Trailers.GetValue("x-request-id"), StringComparison.Ordinal);
            Assert.Equal("cancelled", (await stack.Emulator.AdminUploadAsync(call.Started!.UploadId)).GetProperty("status").GetString());
        }
        finally
        {
            await stack.Emulator.ClearFaultsAsync();
        }
    }

    [Fact]
    public async Task A_stream_beyond_the_memory_budget_waits_then_is_refused_with_retry_info()
    {
        using var server = await stack.StartServerAsync(new Dictionary<string, string>
        {
            // Two 64 MiB part buffers and the one chunk message a stream reserves for besides them (4 MiB + 16 bytes),
            // counted in whole KiB.
            ["Streaming__MemoryBudgetBytes"] = (133L * MiB).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Streaming__MemoryWait"] = "00:00:01",
        });
        // The first stream reserves the whole budget (two 64 MiB buffers and a chunk) and holds it while open.
        using var holder = new UploadFileCall(server.Uploads);
        await holder.WriteMetadataAsync(Metadata(1024L * MiB, partSize: 64 * MiB, parallelism: 2));
        await holder.WaitForAsync(events => events.Count > 0);
        Assert.NotNull(holder.Started);

        var before = await RequestCountAsync();
        using var refused = new UploadFileCall(server.Uploads);
        await refused.WriteMetadataAsync(Metadata(MiB));
        var failure = await refused.FinishFailingAsync(StatusCode.ResourceExhausted);

        var status = failure.GetRpcStatus()!;
        Assert.Equal("STREAM_MEMORY_EXHAUSTED", status.GetDetail<ErrorInfo>().Reason);
        Assert.Equal(1, status.GetDetail<RetryInfo>().RetryDelay.Seconds);
        Assert.Equal(before, await RequestCountAsync());
    }

    private static BadRequest.Types.FieldViolation AssertViolation(RpcException failure, string field)
    {
        var status = failure.GetRpcStatus()!;
        Assert.Equal("uploadsgrpc", status.GetDetail<ErrorInfo>().Domain);
        var violation = Assert.Single(status.GetDetail<BadRequest>().FieldViolations);
        Assert.Equal(field, violation.Field);
        return violation;
    }

    private async Task<long> RequestCountAsync() =>
        System.Text.Json.JsonDocument.Parse(await stack.Emulator.Http.GetStringAsync("_admin/requests")).RootElement.GetProperty("total").GetInt64();
}
