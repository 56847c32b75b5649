using System.Security.Cryptography;
using System.Text.RegularExpressions;
using UploadsGrpc.FunctionalTests.Infrastructure;

namespace UploadsGrpc.FunctionalTests;

/// <summary>The uploadsgrpc CLI as a script runs it: its own process, output redirected, against the server on the emulator.</summary>
[Collection(ProcessTests.Name)]
public sealed partial class CliTests(StandaloneDeployment stack) : IClassFixture<StandaloneDeployment>, IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly string _directory = Directory.CreateTempSubdirectory("uploadsgrpc-cli-").FullName;

    [Fact]
    public async Task Upload_prints_the_file_id_and_the_file_is_byte_identical()
    {
        var path = WriteFile("data.jsonl", 5 * MiB + 3);
        using var cli = CliProcess.Start(stack.Server.Address, "upload", path, "--purpose", "batch", "--part-size-mib", "1");
        Assert.True(await cli.ExitCodeAsync() == 0, cli.StandardError);

        var fileId = cli.StandardOutput.Trim();
        Assert.Matches(FileIdLine(), fileId);
        Assert.Matches(UploadIdLine(), cli.StandardError);
        Assert.Contains("part 5 committed", cli.StandardError, StringComparison.Ordinal);
        var content = await stack.Emulator.Http.GetByteArrayAsync($"v1/files/{fileId}/content");
        Assert.Equal(MD5.HashData(await File.ReadAllBytesAsync(path)), MD5.HashData(content));

        using var get = CliProcess.Start(stack.Server.Address, "files", "get", fileId);
        Assert.Equal(0, await get.ExitCodeAsync());
        Assert.Contains("filename: data.jsonl", get.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"bytes: {5 * MiB + 3}", get.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigint_mid_upload_cancels_the_upload_upstream_and_exits_130()
    {
        await stack.Emulator.SetFaultsAsync(new { seed = 1, rules = new[] { new { route = "add_part", latency_ms = 300 } } });
        try
        {
            var path = WriteFile("slow.bin", 24 * MiB);
            using var cli = CliProcess.Start(stack.Server.Address, "upload", path, "--purpose", "batch", "--part-size-mib", "1", "--parallelism", "1");
            await Poll.UntilAsync(() => cli.StandardError.Contains("part 1 committed", StringComparison.Ordinal) || cli.HasExited, TimeSpan.FromSeconds(60));
            Assert.False(cli.HasExited, cli.StandardError);
            var uploadId = UploadIdLine().Match(cli.StandardError).Groups[1].Value;

            cli.Signal("INT");
            Assert.Equal(130, await cli.ExitCodeAsync());
            Assert.True(cli.StandardError.Contains($"upload {uploadId} cancelled upstream", StringComparison.Ordinal), cli.StandardError);
            Assert.Equal("", cli.StandardOutput);
            await Poll.UntilAsync(async () =>
                (await stack.Emulator.AdminUploadAsync(uploadId)).GetProperty("status").GetString() == "cancelled", TimeSpan.FromSeconds(5));
        }
        finally
        {
            await stack.Emulator.ClearFaultsAsync();
        }
    }

    [Fact]
    public async Task Failures_end_with_exit_codes_scripts_can_use()
    {
        using var missing = CliProcess.Start(stack.Server.Address, "cancel", "upload_nope");
        Assert.Equal(4, await missing.ExitCodeAsync());
        Assert.Contains("NotFound", missing.StandardError, StringComparison.Ordinal);

        using var usage = CliProcess.Start(stack.Server.Address, "upload");
        Assert.Equal(2, await usage.ExitCodeAsync());
        Assert.Contains("--purpose", usage.StandardError, StringComparison.Ordinal);

        using var invalid = CliProcess.Start(stack.Server.Address, "files", "list", "--page-size", "20000");
        Assert.Equal(3, await invalid.ExitCodeAsync());
        Assert.Contains("page_size", invalid.StandardError, StringComparison.Ordinal);
    }

    private string WriteFile(string name, int bytes)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, TestData.Bytes(0, bytes));
        return path;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [GeneratedRegex(@"^file-[A-Za-z0-9]+$")]
    private static partial Regex FileIdLine();

    [GeneratedRegex(@"upload_id: (upload_[0-9a-f]+)")]
    private static partial Regex UploadIdLine();
}
