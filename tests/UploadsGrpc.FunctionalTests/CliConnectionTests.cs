using UploadsGrpc.FunctionalTests.Infrastructure;

namespace UploadsGrpc.FunctionalTests;

/// <summary>
/// How the CLI reaches a server that wants to know its caller: the bearer token on every call, over cleartext
/// HTTP/2 as over TLS, never printed; a private CA that must have signed an https:// server's certificate for
/// the right name; and a client certificate for mutual TLS. Against a stand-in server that records what arrives.
/// </summary>
[Collection(ProcessTests.Name)]
public sealed class CliConnectionTests : IDisposable
{
    private const string Token = "tok-7f3a9c2e51d04b86";
    private readonly string _directory = Directory.CreateTempSubdirectory("uploadsgrpc-cli-tls-").FullName;

    [Fact]
    public async Task The_token_from_the_option_or_the_environment_reaches_a_cleartext_server_as_a_bearer_authorization_header()
    {
        await using var server = await RecordingGrpcServer.StartAsync();

        await ExpectFileAsync(server, null, "--token", Token);
        await ExpectFileAsync(server, new Dictionary<string, string> { ["UPLOADSGRPC_TOKEN"] = "from-environment" });
        await ExpectFileAsync(server, new Dictionary<string, string> { ["UPLOADSGRPC_TOKEN"] = "from-environment" }, "--token", Token);
        await ExpectFileAsync(server, null);

        Assert.Equal(["Bearer " + Token, "Bearer from-environment", "Bearer " + Token, null], server.Calls.Select(c => c.Authorization));
    }

    [Fact]
    public async Task The_token_is_printed_neither_in_help_nor_when_the_server_refuses_it()
    {
        await using var server = await RecordingGrpcServer.StartAsync();
        var environment = new Dictionary<string, string> { ["UPLOADSGRPC_TOKEN"] = RecordingGrpcServer.RefusedToken };

        using var refused = CliProcess.Start(server.Address, environment, "files", "get", "file-1");
        Assert.Equal(6, await refused.ExitCodeAsync());
        Assert.Contains("Unauthenticated", refused.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(RecordingGrpcServer.RefusedToken, refused.Output, StringComparison.Ordinal);
        Assert.Equal("Bearer " + RecordingGrpcServer.RefusedToken, Assert.Single(server.Calls).Authorization);

        foreach (var help in new[] { new[] { "--help" }, ["files", "get", "--help"] })
        {
            using var cli = CliProcess.Start(server.Address, environment, help);
            Assert.Equal(0, await cli.ExitCodeAsync());
            Assert.Contains("--token", cli.StandardOutput, StringComparison.Ordinal);
            Assert.DoesNotContain(RecordingGrpcServer.RefusedToken, cli.Output, StringComparison.Ordinal);
        }

        using var spaced = CliProcess.Start(server.Address, "--token", "two words", "files", "get", "file-1");
        Assert.Equal(2, await spaced.ExitCodeAsync());
        Assert.DoesNotContain("two words", spaced.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_https_server_is_trusted_with_the_ca_file_that_signed_it_and_refused_with_another()
    {
        using var authority = new IssuedCertificates(_directory, "one");
        using var stranger = new IssuedCertificates(_directory, "two");
        using var certificate = authority.IssueServer();
        await using var server = await RecordingGrpcServer.StartAsync(certificate);
        Assert.Equal("https", server.Address.Scheme);

        await ExpectFileAsync(server, null, "--ca-file", authority.AuthorityFile, "--token", Token);
        await ExpectFileAsync(server, new Dictionary<string, string> { ["UPLOADSGRPC_CA_FILE"] = authority.AuthorityFile });
        Assert.Equal(["Bearer " + Token, null], server.Calls.Select(c => c.Authorization));

        var untrusted = await ExpectUntrustedAsync(server, "--ca-file", stranger.AuthorityFile, "--token", Token);
        Assert.Contains("The server's certificate is not trusted: CN=server does not chain to a CA of --ca-file (", untrusted, StringComparison.Ordinal);
        // Without a CA file the system's roots apply, and they know no test CA.
        await ExpectUntrustedAsync(server, "--token", Token);
        Assert.Equal(2, server.Calls.Count);
    }

    [Fact]
    public async Task A_certificate_from_the_trusted_ca_for_another_name_is_refused()
    {
        using var authority = new IssuedCertificates(_directory, "one");
        using var certificate = authority.IssueServer(dnsName: "elsewhere.example");
        await using var server = await RecordingGrpcServer.StartAsync(certificate);

        var untrusted = await ExpectUntrustedAsync(server, "--ca-file", authority.AuthorityFile, "--token", Token);
        Assert.Contains("The server's certificate is not trusted: CN=server is not issued for the host name of --server.", untrusted, StringComparison.Ordinal);
        Assert.Empty(server.Calls);
    }

    [Fact]
    public async Task A_client_certificate_gets_through_a_server_that_requires_one_from_its_ca()
    {
        using var authority = new IssuedCertificates(_directory, "one");
        using var certificate = authority.IssueServer();
        var client = authority.IssueClient("polyglot");
        using var clientCertificate = client.Certificate;
        await using var server = await RecordingGrpcServer.StartAsync(certificate, clientAuthority: authority);

        await ExpectFileAsync(server, null, "--ca-file", authority.AuthorityFile, "--client-cert", client.CertificateFile, "--client-key", client.KeyFile);
        await ExpectFileAsync(server, new Dictionary<string, string>
        {
            ["UPLOADSGRPC_CA_FILE"] = authority.AuthorityFile,
            ["UPLOADSGRPC_CLIENT_CERT"] = client.CombinedFile,
            ["UPLOADSGRPC_TOKEN"] = Token,
        });
        Assert.Equal([("CN=polyglot", null), ("CN=polyglot", "Bearer " + Token)], server.Calls.Select(c => (c.ClientCertificate, c.Authorization)));

        // TLS 1.3 refuses a client after the handshake, so the CLI sees the connection end (UNAVAILABLE or INTERNAL, by timing): exit code 5.
        using var refused = CliProcess.Start(server.Address, "--ca-file", authority.AuthorityFile, "files", "get", "file-recorded");
        Assert.True(await refused.ExitCodeAsync() == 5, refused.Output);
        Assert.Equal(2, server.Calls.Count);
    }

    [Fact]
    public async Task A_missing_or_empty_tls_file_or_a_key_without_a_certificate_is_a_usage_error()
    {
        using var authority = new IssuedCertificates(_directory, "one");
        var empty = Path.Combine(_directory, "empty.pem");
        await File.WriteAllTextAsync(empty, "");
        var server = new Uri("https://127.0.0.1:1");

        foreach (var (arguments, message) in new[]
        {
            (new[] { "--ca-file", Path.Combine(_directory, "missing.pem") }, "--ca-file"),
            (["--ca-file", empty], "--ca-file"),
            (["--ca-file", authority.AuthorityFile, "--client-key", authority.AuthorityFile], "--client-key needs --client-cert"),
            (["--ca-file", authority.AuthorityFile, "--client-cert", authority.AuthorityFile], "--client-cert"),
        })
        {
            using var cli = CliProcess.Start(server, [.. arguments, "files", "get", "file-1"]);
            Assert.Equal(2, await cli.ExitCodeAsync());
            Assert.Contains(message, cli.StandardError, StringComparison.Ordinal);
        }
    }

    private static async Task ExpectFileAsync(RecordingGrpcServer server, IReadOnlyDictionary<string, string>? environment, params string[] options)
    {
        using var cli = CliProcess.Start(server.Address, environment ?? new Dictionary<string, string>(), [.. options, "files", "get", "file-recorded"]);
        Assert.True(await cli.ExitCodeAsync() == 0, cli.Output);
        Assert.Contains("filename: recorded.txt", cli.StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>
    /// The CLI refuses the server's certificate before any call: exit code 6, as for a refused credential, since
    /// retrying will not help; the token is not in the output. Returns the output.
    /// </summary>
    private static async Task<string> ExpectUntrustedAsync(RecordingGrpcServer server, params string[] options)
    {
        using var cli = CliProcess.Start(server.Address, [.. options, "files", "get", "file-recorded"]);
        Assert.True(await cli.ExitCodeAsync() == 6, cli.Output);
        Assert.Contains("The SSL connection could not be established", cli.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, cli.Output, StringComparison.Ordinal);
        return cli.StandardError;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
