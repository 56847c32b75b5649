using Grpc.Core;
using Grpc.Net.Client;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests;

/// <summary>
/// UploadFile streams that go quiet or whose client leaves, against the server process and the standalone emulator:
/// a quiet stream ends at Streaming:IdleTimeout and gives its memory back, and a client's departure is one
/// Information line in the server's log.
/// </summary>
[Collection(ProcessTests.Name)]
public sealed class UploadFileIdleTests(StandaloneDeployment stack) : IClassFixture<StandaloneDeployment>
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task Ten_idle_streams_end_at_the_idle_timeout_and_do_not_keep_a_well_behaved_uploader_out()
    {
        // 128 MiB shared; each idle stream holds 12 MiB (4 MiB parts, 3 at once) and one 64 KiB chunk, so all ten
        // are admitted and leave 7.4 MiB: less than the 10 MiB and a chunk the uploader needs. Without the idle
        // timeout it would wait out Streaming:MemoryWait and be refused.
        using var server = await stack.StartServerAsync(new Dictionary<string, string>
        {
            ["Streaming__MemoryBudgetBytes"] = (128 * MiB).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Streaming__IdleTimeout"] = "00:00:03",
            ["Streaming__MemoryWait"] = "00:00:30",
            ["Streaming__MaxChunkBytes"] = "65536",
        });
        var idle = Enumerable.Range(0, 10).Select(_ => new UploadFileCall(server.Uploads)).ToList();
        try
        {
            for (var i = 0; i < idle.Count; i++)
            {
                // The first is resumable: its upload is left pending for a resume.
                await idle[i].WriteMetadataAsync(UploadFileTests.Metadata(64 * MiB, partSize: 4 * MiB, parallelism: 3, resumable: i == 0));
            }
            foreach (var call in idle)
            {
                await call.WaitForAsync(events => events.Count > 0);
                Assert.NotNull(call.Started);
            }

            using var uploader = new UploadFileCall(server.Uploads);
            await uploader.WriteMetadataAsync(UploadFileTests.Metadata(10 * MiB, partSize: 4 * MiB, parallelism: 3));
            await uploader.WriteGeneratedAsync(0, 10 * MiB, chunkSize: 64 * 1024);
            var completed = await uploader.FinishAsync();
            Assert.Equal(10 * MiB, completed.Bytes);

            for (var i = 0; i < idle.Count; i++)
            {
                var failure = await idle[i].EndedByServerAsync(StatusCode.DeadlineExceeded);
                var info = RpcAssert.ErrorInfo(failure);
                Assert.Equal(("uploadsgrpc", "STREAM_IDLE_TIMEOUT"), (info.Domain, info.Reason));
                var uploadId = idle[i].Started!.UploadId;
                Assert.Equal((uploadId, i == 0 ? "true" : "false", "3"),
                    (info.Metadata["upload_id"], info.Metadata["upload_kept"], info.Metadata["idle_timeout_seconds"]));
                Assert.Equal(i == 0 ? "pending" : "cancelled", (await stack.Emulator.AdminUploadAsync(uploadId)).GetProperty("status").GetString());
            }
        }
        finally
        {
            idle.ForEach(call => call.Dispose());
        }
    }

    [Fact]
    public async Task A_stream_that_never_sends_its_first_message_ends_at_the_idle_timeout_having_created_nothing()
    {
        using var server = await stack.StartServerAsync(new Dictionary<string, string> { ["Streaming__IdleTimeout"] = "00:00:01" });
        var before = await stack.Emulator.RequestTotalAsync();
        using var call = new UploadFileCall(server.Uploads);

        var failure = await call.EndedByServerAsync(StatusCode.DeadlineExceeded);

        var info = RpcAssert.ErrorInfo(failure);
        Assert.Equal("STREAM_IDLE_TIMEOUT", info.Reason);
        Assert.False(info.Metadata.ContainsKey("upload_id"));
        Assert.Equal("The client sent no message for 1 s (Streaming:IdleTimeout). nothing was created upstream.", failure.Status.Detail);
        Assert.Equal(before, await stack.Emulator.RequestTotalAsync());
    }

    [Fact]
    public async Task Clients_that_cancel_or_disconnect_log_one_Information_line_each_and_no_stack_trace()
    {
        using var server = await stack.StartServerAsync();
        const int Each = 5;
        var started = new List<string>();
        for (var i = 0; i < Each; i++)
        {
            // Cancelled before the first message.
            using (var cancel = new CancellationTokenSource())
            {
                using var call = new UploadFileCall(server.Uploads, cancellation: cancel.Token);
                await Task.Delay(200);
                await cancel.CancelAsync();
            }
            // Cancelled after the upload was created.
            using (var cancel = new CancellationTokenSource())
            {
                using var call = new UploadFileCall(server.Uploads, cancellation: cancel.Token);
                await call.WriteMetadataAsync(UploadFileTests.Metadata(10 * MiB));
                await call.WaitForAsync(events => events.Count > 0);
                started.Add(call.Started!.UploadId);
                await cancel.CancelAsync();
            }
            // The connection closed before the first message, and after the upload was created.
            using (var channel = GrpcChannel.ForAddress(server.Address))
            {
                var call = new UploadFileCall(new UploadService.UploadServiceClient(channel));
                await Task.Delay(200);
            }
            using (var channel = GrpcChannel.ForAddress(server.Address))
            {
                var call = new UploadFileCall(new UploadService.UploadServiceClient(channel));
                await call.WriteMetadataAsync(UploadFileTests.Metadata(10 * MiB));
                await call.WaitForAsync(events => events.Count > 0);
                started.Add(call.Started!.UploadId);
            }
        }

        // A call cancelled before its first message may never reach the server (the client had not sent its headers
        // yet); every call that did is audited (event 20), and each of those must log event 50 once.
        await Poll.UntilAsync(() => Lines(server, "UploadFileSession[50]").Count(l => l.Contains("during upload", StringComparison.Ordinal)) == started.Count
            && Lines(server, "UploadFileSession[50]").Count == Lines(server, "Audit[20]").Count, TimeSpan.FromSeconds(30));
        var departures = Lines(server, "UploadFileSession[50]");
        Assert.Equal(Lines(server, "Audit[20]").Count, departures.Count);
        Assert.InRange(departures.Count, 3 * Each, 4 * Each);
        // Everything after the start (which warns once that Auth:Mode is None).
        var output = server.Output[server.Output.IndexOf("Application started", StringComparison.Ordinal)..];
        Assert.DoesNotContain("fail:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("warn:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("crit:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
        foreach (var uploadId in started)
        {
            Assert.Equal("cancelled", (await stack.Emulator.AdminUploadAsync(uploadId)).GetProperty("status").GetString());
        }
        Assert.Equal(2 * Each, departures.Count(l => l.Contains("was cancelled upstream", StringComparison.Ordinal)));
        Assert.All(departures, l => Assert.Matches(
            @"^      UploadFile: the client cancelled or disconnected (before its first message; nothing was created upstream|during upload (upload_\w+); upload \2 was cancelled upstream)$", l));
    }

    /// <summary>The message lines of an event: the simple console format writes "info: Category[id]" and the message on the next line.</summary>
    private static List<string> Lines(ServerProcess server, string header)
    {
        var lines = server.Output.Split('\n');
        return [.. lines.Select((line, i) => (line, i)).Where(l => l.line.Contains(header, StringComparison.Ordinal) && l.i + 1 < lines.Length).Select(l => lines[l.i + 1])];
    }
}
