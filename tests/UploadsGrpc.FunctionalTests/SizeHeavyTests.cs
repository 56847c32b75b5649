using System.Globalization;
using System.Security.Cryptography;
using Grpc.Core;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.V1;
using Xunit.Abstractions;

namespace UploadsGrpc.FunctionalTests;

/// <summary>
/// The size-heavy runs, against the standalone emulator so the server's peak memory (VmHWM, read from /proc) is
/// its own: 256 MiB and 1 GiB each on a fresh server with the default 64 MiB parts and 4 in flight, and the 1 GiB
/// file downloaded back whole and from an offset. The bound is part size × (N + 1) + 150 MiB; the server
/// holds at most N parts, so both files reach the same peak.
/// </summary>
[Collection(ProcessTests.Name)]
public sealed class SizeHeavyTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const long MiB = 1024 * 1024;
    private const long DefaultPartBytes = 64 * MiB;
    private const int DefaultParallelism = 4;
    private EmulatorProcess _emulator = null!;

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorProcess.StartAsync();
        // A slow upstream, as a 64 MiB part over a real uplink is. With a fast one a run's peak depends on whether a
        // finished part's buffer is reused before the next part needs one; with parts taking longer than the client
        // takes to fill all slots, every run holds all of them, so both peaks are each run's worst case.
        await _emulator.SetFaultsAsync(new { seed = 1, rules = new[] { new { route = "add_part", latency_ms = 3000 } } });
    }

    public Task DisposeAsync()
    {
        _emulator.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task One_GiB_goes_up_and_comes_back_byte_identical_with_memory_bounded_by_the_parts_in_flight()
    {
        var (smallPeak, _) = await UploadOnFreshServerAsync(256 * MiB, download: false);
        var (largePeak, afterDownload) = await UploadOnFreshServerAsync(1024 * MiB, download: true);

        var bound = (DefaultPartBytes * (DefaultParallelism + 1)) + (150 * MiB);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"peak RSS: 256 MiB upload {smallPeak / MiB} MiB; 1 GiB upload {largePeak / MiB} MiB; after 1 GiB download {afterDownload / MiB} MiB; bound {bound / MiB} MiB"));
        Assert.True(largePeak < bound, $"1 GiB upload peaked at {largePeak / MiB} MiB, over {bound / MiB} MiB");
        Assert.True(largePeak <= smallPeak * 1.15, $"1 GiB upload peaked at {largePeak / MiB} MiB, more than 15 % over the 256 MiB upload's {smallPeak / MiB} MiB");
        Assert.True(afterDownload < bound, $"the 1 GiB download took the peak to {afterDownload / MiB} MiB, over {bound / MiB} MiB");
        Assert.True(afterDownload <= smallPeak * 1.15, $"the 1 GiB download took the peak to {afterDownload / MiB} MiB");
    }

    private async Task<(long UploadPeak, long DownloadPeak)> UploadOnFreshServerAsync(long bytes, bool download)
    {
        using var server = await ServerProcess.Start("Production", _emulator.UpstreamVariables()).ReadyAsync();
        using var call = new UploadFileCall(server.Uploads);
        await call.WriteMetadataAsync(new UploadFileMetadata
        {
            Filename = "large.bin", Purpose = FilePurpose.Batch, Bytes = bytes, MimeType = "application/octet-stream",
        });
        await call.WriteGeneratedAsync(0, bytes);
        var completed = await call.FinishAsync();
        var expectedMd5 = TestData.Md5(bytes);
        Assert.Equal(expectedMd5, completed.Md5);
        Assert.Equal(bytes, completed.Upload.File.Bytes);
        Assert.Equal((int)((bytes + DefaultPartBytes - 1) / DefaultPartBytes), call.Committed.Count);
        var uploadPeak = server.PeakResidentBytes();
        if (!download)
        {
            return (uploadPeak, 0);
        }

        var files = server.Files;
        using (var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5))
        {
            long received = 0;
            using var whole = files.DownloadFile(new DownloadFileRequest { FileId = completed.Upload.File.Id });
            await foreach (var message in whole.ResponseStream.ReadAllAsync())
            {
                if (message.PayloadCase == DownloadFileResponse.PayloadOneofCase.Chunk)
                {
                    md5.AppendData(message.Chunk.Span);
                    received += message.Chunk.Length;
                }
            }
            Assert.Equal(bytes, received);
            Assert.Equal(expectedMd5, Convert.ToHexStringLower(md5.GetHashAndReset()));
        }

        // A download resumed near the end: the tail, byte for byte.
        var offset = bytes - (3 * MiB) + 5;
        using var tailCall = files.DownloadFile(new DownloadFileRequest { FileId = completed.Upload.File.Id, ReadOffset = offset });
        using var tail = new MemoryStream();
        await foreach (var message in tailCall.ResponseStream.ReadAllAsync())
        {
            if (message.PayloadCase == DownloadFileResponse.PayloadOneofCase.Chunk)
            {
                message.Chunk.WriteTo(tail);
            }
        }
        Assert.Equal(TestData.Bytes(offset, (int)(bytes - offset)), tail.ToArray());
        return (uploadPeak, server.PeakResidentBytes());
    }
}
