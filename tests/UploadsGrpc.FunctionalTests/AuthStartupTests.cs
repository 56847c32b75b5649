using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests;

/// <summary>The auth mode at start, as the process a user runs: who may call when nothing is configured, and the settings refused.</summary>
public sealed class AuthStartupTests
{
    private static Dictionary<string, string> RealUpstream(params (string Key, string Value)[] more)
    {
        // A base URL nobody listens on: these servers must decide at start, before any call.
        var variables = new Dictionary<string, string> { ["OPENAI_BASE_URL"] = "http://127.0.0.1:9/v1", ["OPENAI_API_KEY"] = FacadeHost.ApiKey };
        foreach (var (key, value) in more)
        {
            variables[key] = value;
        }
        return variables;
    }

    [Fact]
    public async Task Production_without_an_auth_mode_refuses_to_start_naming_it()
    {
        using var server = ServerProcess.Start("Production", RealUpstream(("Auth__Mode", "")));
        Assert.Equal(1, await server.ExitCodeAsync());
        var line = Assert.Single(server.Output.Split('\n'), l => l.StartsWith("UploadsGrpc cannot start: ", StringComparison.Ordinal));
        Assert.StartsWith("UploadsGrpc cannot start: Auth:Mode is not set. Set it to ApiKeys, Jwt or Mesh", line, StringComparison.Ordinal);
        Assert.DoesNotContain(FacadeHost.ApiKey, server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task None_in_Production_starts_with_one_warning_line()
    {
        using var server = await ServerProcess.Start("Production", RealUpstream(("Auth__Mode", "None"))).ReadyAsync();
        var warning = Assert.Single(server.Output.Split('\n'), l => l.Contains("Auth:Mode is None outside Development", StringComparison.Ordinal));
        Assert.Contains("anyone who reaches the port may call", warning, StringComparison.Ordinal);
        Assert.Contains("warn:", server.Output.Split('\n').Reverse().SkipWhile(l => l != warning).Skip(1).First(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Production_on_the_embedded_emulator_runs_open_with_the_warning()
    {
        using var server = await ServerProcess.Start("Production", new Dictionary<string, string> { ["Auth__Mode"] = "", ["Upstream__Mode"] = "Emulator" }).ReadyAsync();
        Assert.Contains("the embedded emulator, which holds no OpenAI key", server.Output, StringComparison.Ordinal);
        var upload = await server.Uploads.CreateUploadAsync(new CreateUploadRequest { Filename = "a.txt", Purpose = FilePurpose.Assistants, Bytes = 3, MimeType = "text/plain" });
        Assert.Equal(UploadStatus.Pending, upload.Upload.Status);
    }

    [Theory]
    [InlineData("Auth__Mode", "Basic", "", "", "Auth:Mode")]
    [InlineData("Auth__Mode", "ApiKeys", "", "", "Auth:Mode=ApiKeys needs at least one caller in Auth:ApiKeys")]
    [InlineData("Auth__Mode", "ApiKeys", "Auth__ApiKeys__0__Sha256", "ugt-the-token-itself", "Auth:ApiKeys:0:Sha256 must be the SHA-256 of the key")]
    [InlineData("Auth__Mode", "Mesh", "", "", "Auth:Mode=Mesh needs Auth:Mesh:TrustedProxies")]
    [InlineData("Auth__Mode", "Mesh", "Auth__Mesh__TrustedProxies__0", "the-sidecar", "Auth:Mesh:TrustedProxies:0 must be an IP address or a CIDR range")]
    [InlineData("Auth__Mode", "Jwt", "Auth__Jwt__Audience", "uploadsgrpc", "Auth:Mode=Jwt needs Auth:Jwt:Authority")]
    [InlineData("Callers__Default__MaxUploadBytes", "-5", "", "", "Callers:Default:MaxUploadBytes must be a positive number of bytes.")]
    [InlineData("Callers__Named__0__Name", "alice", "Callers__Named__0__ApiKeyVariable", "ALICE_KEY_NOT_SET", "Callers:Named:0:ApiKeyVariable names ALICE_KEY_NOT_SET, which is not set.")]
    [InlineData("Callers__Named__0__Name", "alice", "Callers__Named__0__Groups__0", "files:everything", "Callers:Named:0:Groups has files:everything, which is not one of")]
    public async Task An_auth_setting_that_cannot_work_stops_the_start_naming_it(string variable, string value, string other, string otherValue, string expected)
    {
        var variables = RealUpstream((variable, value), ("Auth__Mode", variable == "Auth__Mode" ? value : "None"));
        if (other.Length > 0)
        {
            variables[other] = otherValue;
        }
        using var server = ServerProcess.Start("Production", variables);
        Assert.Equal(1, await server.ExitCodeAsync());
        var line = Assert.Single(server.Output.Split('\n'), l => l.StartsWith("UploadsGrpc cannot start: ", StringComparison.Ordinal));
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain(FacadeHost.ApiKey, server.Output, StringComparison.Ordinal);
        if (other == "Auth__ApiKeys__0__Sha256")
        {
            Assert.DoesNotContain(otherValue, line, StringComparison.Ordinal);
        }
    }
}
