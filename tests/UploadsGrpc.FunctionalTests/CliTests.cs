using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
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

    [Fact]
    public async Task With_its_token_the_cli_is_a_caller_of_a_server_in_api_keys_mode_and_without_it_exits_6()
    {
        var token = "cli-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        using var server = await stack.StartServerAsync(new Dictionary<string, string>
        {
            ["Auth__Mode"] = "ApiKeys",
            ["Auth__ApiKeys__0__Caller"] = "cli",
            ["Auth__ApiKeys__0__Sha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token))),
            ["Callers__Named__0__Name"] = "cli",
            ["Callers__Named__0__Project"] = "proj_cli",
        });
        var path = WriteFile("token.jsonl", 1000);

        using var upload = CliProcess.Start(server.Address, new Dictionary<string, string> { ["UPLOADSGRPC_TOKEN"] = token }, "upload", path, "--purpose", "batch");
        Assert.True(await upload.ExitCodeAsync() == 0, upload.Output);
        var fileId = upload.StandardOutput.Trim();
        // Upstream, the call went with the server's key, in the project of the caller the token named.
        var requests = JsonDocument.Parse(await stack.Emulator.Http.GetStringAsync("_admin/requests")).RootElement;
        var create = requests.GetProperty("recent").EnumerateArray().Last(r => r.GetProperty("path").GetString() == "/v1/uploads");
        Assert.Equal("proj_cli", create.GetProperty("project").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(stack.Emulator.UpstreamVariables()["OPENAI_API_KEY"]))),
            create.GetProperty("key_sha256").GetString());

        using var get = CliProcess.Start(server.Address, "--token", token, "files", "get", fileId);
        Assert.True(await get.ExitCodeAsync() == 0, get.Output);
        Assert.Contains("filename: token.jsonl", get.StandardOutput, StringComparison.Ordinal);

        foreach (var arguments in new[] { new[] { "files", "get", fileId }, ["--token", "wrong-" + token, "files", "get", fileId] })
        {
            using var refused = CliProcess.Start(server.Address, arguments);
            Assert.Equal(6, await refused.ExitCodeAsync());
            Assert.Contains("Unauthenticated", refused.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain(token, refused.Output, StringComparison.Ordinal);
        }
        Assert.DoesNotContain(token, upload.Output + get.Output + server.Output, StringComparison.Ordinal);
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
