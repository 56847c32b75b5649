using System.Text.Json;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.V1;
using Xunit.Abstractions;

namespace UploadsGrpc.FunctionalTests;

/// <summary>
/// UploadFile against an emulator that fails a fifth of all part requests (500, 503 or a dropped connection, at
/// most twice in a row per upload): every upload completes with the right MD5 because failed parts are retried.
/// </summary>
[Collection(ProcessTests.Name)]
public sealed class FaultRunTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const long MiB = 1024 * 1024;
    private EmulatorProcess _emulator = null!;

    public async Task InitializeAsync() => _emulator = await EmulatorProcess.StartAsync();

    public Task DisposeAsync()
    {
        _emulator.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Twenty_uploads_of_50_MiB_complete_while_a_fifth_of_part_requests_fail()
    {
        // Three rules of about 7.2 % each fail about 20 % of part requests in all: 1 - (1 - 0.0717)^3 = 0.20.
        const double each = 0.0717;
        await _emulator.SetFaultsAsync(new
        {
            seed = 20261124,
            rules = new object[]
            {
                new { route = "add_part", probability = each, status = 500, max_consecutive = 2 },
                new { route = "add_part", probability = each, status = 503, retry_after_ms = 50, max_consecutive = 2 },
                new { route = "add_part", probability = each, drop = true, max_consecutive = 2 },
            },
        });
        using var server = await ServerProcess.Start("Production", _emulator.UpstreamVariables()).ReadyAsync();
        const long bytes = 50 * MiB;
        var expectedMd5 = TestData.Md5(bytes);

        var completed = new List<UploadFileCompleted>();
        foreach (var batch in Enumerable.Range(0, 20).Chunk(4))
        {
            completed.AddRange(await Task.WhenAll(batch.Select(async i =>
            {
                using var call = new UploadFileCall(server.Uploads);
                await call.WriteMetadataAsync(new UploadFileMetadata
                {
                    Filename = $"faulty-{i}.bin", Purpose = FilePurpose.Batch, Bytes = bytes, MimeType = "application/octet-stream",
                    PartSize = (int)(8 * MiB),
                });
                await call.WriteGeneratedAsync(0, bytes);
                var done = await call.FinishAsync();
                Assert.Equal(7, call.Committed.Count);
                return done;
            })));
        }

        Assert.Equal(20, completed.Count);
        Assert.All(completed, c =>
        {
            Assert.Equal(expectedMd5, c.Md5);
            Assert.Equal(UploadStatus.Completed, c.Upload.Status);
            Assert.Equal(bytes, c.Upload.File.Bytes);
        });
        // The faults really fired: some uploads hold more parts than the seven they list.
        var stored = 0;
        foreach (var c in completed)
        {
            stored += (await _emulator.AdminUploadAsync(c.Upload.Id)).GetProperty("parts").GetArrayLength();
        }
        var retried = server.Output.Split('\n').Count(l => l.Contains("AddUploadPart is retried", StringComparison.Ordinal));
        output.WriteLine($"140 parts listed; {stored} stored by the emulator; {retried} retries logged by the server");
        Assert.True(retried >= 10, $"only {retried} retries: the faults did not fire as planned");
        var plan = JsonDocument.Parse(await _emulator.Http.GetStringAsync("_admin/faults")).RootElement;
        Assert.Equal(3, plan.GetProperty("rules").GetArrayLength());
    }
}
