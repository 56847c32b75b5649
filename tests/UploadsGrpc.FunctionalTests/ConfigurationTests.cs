using UploadsGrpc.FunctionalTests.Infrastructure;

namespace UploadsGrpc.FunctionalTests;

/// <summary>Misconfiguration stops the start, as the process a user runs: a non-zero exit and one line naming the setting.</summary>
public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("OPENAI_BASE_URL", "not a url", "OPENAI_BASE_URL")]
    [InlineData("OPENAI_BASE_URL", "ftp://example.com/v1", "OPENAI_BASE_URL")]
    [InlineData("Upstream__RequestTimeout", "soon", "Upstream:RequestTimeout")]
    [InlineData("Upstream__RequestTimeout", "-00:00:01", "Upstream:RequestTimeout")]
    [InlineData("Upstream__Mode", "Mock", "Upstream:Mode")]
    [InlineData("Upstream__EmulatorPort", "70000", "Upstream:EmulatorPort")]
    [InlineData("Streaming__PartSize", "64MiB", "Streaming:PartSize")]
    [InlineData("Admin__Port", "70000", "Admin:Port")]
    [InlineData("Admin__Port", "metrics", "Admin:Port")]
    [InlineData("Admin__Address", "every-interface", "Admin:Address")]
    public async Task Invalid_setting_exits_non_zero_naming_it(string variable, string value, string named)
    {
        using var server = ServerProcess.Start("Production", new Dictionary<string, string>
        {
            ["OPENAI_API_KEY"] = FacadeHost.ApiKey,
            [variable] = value,
        });
        Assert.Equal(1, await server.ExitCodeAsync());
        Assert.Contains($"UploadsGrpc cannot start: ", server.Output, StringComparison.Ordinal);
        Assert.Contains(named, server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(FacadeHost.ApiKey, server.Output, StringComparison.Ordinal);
        var line = Assert.Single(server.Output.Split('\n'), l => l.StartsWith("UploadsGrpc cannot start: ", StringComparison.Ordinal));
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.DoesNotContain(value, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_admin_port_another_process_holds_stops_the_start_with_one_line_naming_the_address()
    {
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var port = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;
        using var server = ServerProcess.Start("Production", new Dictionary<string, string>
        {
            ["Upstream__Mode"] = "Emulator",
            ["Admin__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Admin__Address"] = "127.0.0.1",
        });
        Assert.Equal(1, await server.ExitCodeAsync());
        var line = Assert.Single(server.Output.Split('\n'), l => l.StartsWith("UploadsGrpc cannot start: ", StringComparison.Ordinal));
        Assert.Equal($"UploadsGrpc cannot start: Failed to bind to address http://127.0.0.1:{port}: address already in use.", line.TrimEnd());
    }

    [Fact]
    public async Task An_empty_variable_counts_as_unset()
    {
        using var server = await ServerProcess.Start("Production", new Dictionary<string, string>
        {
            ["Upstream__Mode"] = "Emulator",
            ["Upstream__RequestTimeout"] = "",
            ["Upstream__EmulatorPort"] = "",
            ["Streaming__PartSize"] = "",
            ["OPENAI_BASE_URL"] = "",
        }).ReadyAsync();

        var upload = await server.Uploads.CreateUploadAsync(new V1.CreateUploadRequest
        {
            Filename = "a.txt", Purpose = V1.FilePurpose.Assistants, Bytes = 3, MimeType = "text/plain",
        });
        Assert.Equal(V1.UploadStatus.Pending, upload.Upload.Status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("http://127.0.0.1:9/v1")]
    public async Task Production_without_a_key_refuses_to_start_naming_OPENAI_API_KEY(string baseUrl)
    {
        using var server = ServerProcess.Start("Production", new Dictionary<string, string>
        {
            ["OPENAI_API_KEY"] = "",
            ["OPENAI_BASE_URL"] = baseUrl,
        });
        Assert.Equal(1, await server.ExitCodeAsync());
        Assert.Contains("UploadsGrpc cannot start: OPENAI_API_KEY is not set.", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("embedded emulator at", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Production_with_emulator_mode_serves_on_the_embedded_emulator_and_says_so_once()
    {
        using var server = await ServerProcess.Start("Production", new Dictionary<string, string> { ["Upstream__Mode"] = "Emulator" }).ReadyAsync();
        Assert.NotNull(server.EmulatorAddress);
        Assert.Single(server.Output.Split('\n'), line => line.Contains("embedded emulator at", StringComparison.Ordinal));
        Assert.Contains("Upstream:Mode=Emulator", server.Output, StringComparison.Ordinal);
        var upload = await server.Uploads.CreateUploadAsync(new V1.CreateUploadRequest
        {
            Filename = "a.txt", Purpose = V1.FilePurpose.Assistants, Bytes = 3, MimeType = "text/plain",
        });
        Assert.Equal(V1.UploadStatus.Pending, upload.Upload.Status);
    }
}
