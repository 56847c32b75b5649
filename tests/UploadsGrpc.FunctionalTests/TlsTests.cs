using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests;

/// <summary>
/// The gRPC port with Tls:* set: TLS from PEM files that are read again while it runs, no cleartext, and client
/// certificates checked against Tls:ClientCaPath.
/// </summary>
public sealed class TlsTests(TestCertificates certificates) : IClassFixture<TestCertificates>
{
    private static readonly TimeSpan ReloadBound = TimeSpan.FromSeconds(30);
    private static readonly HealthCheckRequest Readiness = new();
    private static readonly byte[] Http2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    [Fact]
    public async Task Health_and_a_call_succeed_over_TLS_with_the_configured_certificate()
    {
        await using var facade = Start(certificates.Serving(certificates.Server));

        Assert.Equal("https", facade.Address.Scheme);
        using var client = new TlsClient(facade.Address, certificates.Ca);
        var health = await client.Health.CheckAsync(Readiness);
        var created = await client.Uploads.CreateUploadAsync(Calls.ValidCreate());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        Assert.Equal(UploadStatus.Pending, created.Upload.Status);
        Assert.Equal(certificates.Server.Thumbprint, client.ServerThumbprint);
    }

    [Fact]
    public async Task The_key_may_be_in_the_certificate_file()
    {
        var combined = Path.Combine(certificates.NewDirectory(), "tls.pem");
        await File.WriteAllTextAsync(combined, await File.ReadAllTextAsync(certificates.Server.CertificatePath) + await File.ReadAllTextAsync(certificates.Server.KeyPath));
        await using var facade = new FacadeHost(new Dictionary<string, string?> { ["Upstream:Mode"] = "Emulator", ["Tls:CertificatePath"] = combined });

        using var client = new TlsClient(facade.Address, certificates.Ca);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await client.Health.CheckAsync(Readiness)).Status);
        Assert.Equal(certificates.Server.Thumbprint, client.ServerThumbprint);
    }

    [Fact]
    public async Task The_intermediates_in_the_certificate_file_are_sent()
    {
        // The client trusts only the root: without the intermediate the server sends, the chain cannot be built.
        await using var facade = Start(certificates.Serving(certificates.ChainedServer));

        using var client = new TlsClient(facade.Address, certificates.Ca);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await client.Health.CheckAsync(Readiness)).Status);
        Assert.Equal(certificates.ChainedServer.Thumbprint, client.ServerThumbprint);
    }

    [Fact]
    public async Task Cleartext_h2c_is_refused_on_the_TLS_port()
    {
        await using var facade = Start(certificates.Serving(certificates.Server));
        using var channel = GrpcChannel.ForAddress(new UriBuilder(facade.Address) { Scheme = "http" }.Uri);

        var refused = await Assert.ThrowsAsync<RpcException>(async () => await new Health.HealthClient(channel).CheckAsync(Readiness));

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Equal(HttpRequestError.InvalidResponse, Assert.IsType<HttpRequestException>(refused.Status.DebugException).HttpRequestError);
        // The server's whole answer to an HTTP/2 preface: it closes the connection without a byte.
        Assert.Equal(0, await AnswerToPrefaceAsync(facade.Address.Port));
    }

    [Fact]
    public async Task A_certificate_renamed_over_the_files_serves_new_connections_without_a_restart()
    {
        var logs = new CapturedLogs();
        var serving = certificates.Serving(certificates.Server);
        await using var facade = Start(serving, logs: logs);
        using var before = new TlsClient(facade.Address, certificates.Ca);
        await before.Health.CheckAsync(Readiness);

        TestCertificates.Replace(serving.KeyPath, await File.ReadAllBytesAsync(certificates.SecondServer.KeyPath));
        TestCertificates.Replace(serving.CertificatePath, await File.ReadAllBytesAsync(certificates.SecondServer.CertificatePath));

        await Poll.UntilAsync(() => NewConnectionSeesAsync(facade.Address, certificates.SecondServer.Thumbprint), ReloadBound);
        // The connection made before the reload is still served, on the certificate it was given: nothing restarted.
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await before.Health.CheckAsync(Readiness)).Status);
        Assert.Equal(certificates.Server.Thumbprint, before.ServerThumbprint);
        Assert.Single(logs.Lines, line => line.StartsWith("Information TlsCertificateLoaded: ", StringComparison.Ordinal)
            && line.Contains($"CN=server two (thumbprint {certificates.SecondServer.Thumbprint})", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_Kubernetes_Secret_volume_update_is_picked_up()
    {
        // A Secret volume: tls.crt -> ..data/tls.crt, ..data -> ..<timestamp>/; an update writes a new timestamped
        // directory and renames a new ..data link over the old one, so tls.crt itself is never written.
        var volume = certificates.NewDirectory();
        WriteSecretVersion(volume, "..2026_01_01_first", certificates.Server);
        File.CreateSymbolicLink(Path.Combine(volume, "..data"), "..2026_01_01_first");
        File.CreateSymbolicLink(Path.Combine(volume, "tls.crt"), Path.Combine("..data", "tls.crt"));
        File.CreateSymbolicLink(Path.Combine(volume, "tls.key"), Path.Combine("..data", "tls.key"));
        await using var facade = Start(new CertificateFiles(Path.Combine(volume, "tls.crt"), Path.Combine(volume, "tls.key")));
        Assert.True(await NewConnectionSeesAsync(facade.Address, certificates.Server.Thumbprint));

        WriteSecretVersion(volume, "..2026_01_02_second", certificates.SecondServer);
        File.CreateSymbolicLink(Path.Combine(volume, "..data_tmp"), "..2026_01_02_second");
        RenameOver(Path.Combine(volume, "..data_tmp"), Path.Combine(volume, "..data"));
        Directory.Delete(Path.Combine(volume, "..2026_01_01_first"), recursive: true);

        await Poll.UntilAsync(() => NewConnectionSeesAsync(facade.Address, certificates.SecondServer.Thumbprint), ReloadBound);
    }

    [Fact]
    public async Task A_broken_certificate_file_keeps_the_old_certificate_and_warns_once()
    {
        var logs = new CapturedLogs();
        var serving = certificates.Serving(certificates.Server);
        await using var facade = Start(serving, logs: logs);
        Assert.True(await NewConnectionSeesAsync(facade.Address, certificates.Server.Thumbprint));

        TestCertificates.Replace(serving.CertificatePath, "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n"u8.ToArray());

        var warning = "Warning TlsReloadFailed: TLS: Tls:CertificatePath changed but cannot be used; keeping the certificate loaded before: "
            + $"Tls:CertificatePath ({serving.CertificatePath}) holds no PEM certificate.";
        await Poll.UntilAsync(() => logs.Lines.Contains(warning), ReloadBound);
        // Ten more reloads of the same broken file add no warning.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Single(logs.Lines, line => line.Contains("TlsReloadFailed", StringComparison.Ordinal));
        Assert.Equal(warning, logs.Lines.Single(line => line.Contains("TlsReloadFailed", StringComparison.Ordinal)));
        Assert.True(await NewConnectionSeesAsync(facade.Address, certificates.Server.Thumbprint));
        Assert.DoesNotContain(logs.Lines, line => line.Contains("PRIVATE KEY", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_client_certificate_of_another_CA_fails_the_handshake()
    {
        var logs = new CapturedLogs();
        await using var facade = Start(certificates.Serving(certificates.Server), certificates.Ca.CertificatePath, logs);
        // TLS 1.3 ends the client's part of the handshake before the server has checked its certificate: the client
        // sees the connection close before any HTTP/2 frame (grpc-dotnet says UNAVAILABLE or INTERNAL, by timing),
        // the server's handshake fails on the certificate.
        Assert.False(await TlsProbe.ServerSpeaksHttp2Async(facade.Address, certificates.Ca, certificates.OtherClient));
        using var client = new TlsClient(facade.Address, certificates.Ca, certificates.OtherClient);
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await client.Health.CheckAsync(Readiness));
        Assert.Null(refused.GetRpcStatus());
        Assert.IsType<HttpRequestException>(refused.Status.DebugException);
        Assert.Equal(certificates.Server.Thumbprint, client.ServerThumbprint);
        Assert.Contains(
            "Debug AuthenticationFailed: Failed to authenticate HTTPS connection. "
            + "(AuthenticationException: The remote certificate was rejected by the provided RemoteCertificateValidationCallback.)",
            logs.Lines);
    }

    [Fact]
    public async Task A_client_certificate_of_the_CA_and_no_client_certificate_both_get_through()
    {
        var logs = new CapturedLogs();
        await using var facade = Start(certificates.Serving(certificates.Server), certificates.Ca.CertificatePath, logs);
        using var trusted = new TlsClient(facade.Address, certificates.Ca, certificates.Client);
        using var anonymous = new TlsClient(facade.Address, certificates.Ca);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await trusted.Health.CheckAsync(Readiness)).Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await anonymous.Health.CheckAsync(Readiness)).Status);
        Assert.DoesNotContain(logs.Lines, line => line.Contains("AuthenticationFailed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_replaced_client_CA_file_decides_the_next_handshakes()
    {
        var authorities = Path.Combine(certificates.NewDirectory(), "ca.crt");
        File.Copy(certificates.OtherCa.CertificatePath, authorities);
        await using var facade = Start(certificates.Serving(certificates.Server), authorities);
        // Refusals are observed with a raw TLS probe: under TLS 1.3 the server refuses a client certificate after
        // the client's handshake is done, and grpc-dotnet reports that as UNAVAILABLE or INTERNAL by timing.
        Assert.False(await TlsProbe.ServerSpeaksHttp2Async(facade.Address, certificates.Ca, certificates.Client));

        TestCertificates.Replace(authorities, await File.ReadAllBytesAsync(certificates.Ca.CertificatePath));

        await Poll.UntilAsync(() => TlsProbe.ServerSpeaksHttp2Async(facade.Address, certificates.Ca, certificates.Client), ReloadBound);
        using (var client = new TlsClient(facade.Address, certificates.Ca, certificates.Client))
        {
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await client.Health.CheckAsync(Readiness)).Status);
        }
        Assert.False(await TlsProbe.ServerSpeaksHttp2Async(facade.Address, certificates.Ca, certificates.OtherClient));
    }

    [Fact]
    public async Task The_server_process_serves_TLS_on_the_address_it_is_given()
    {
        var serving = certificates.Serving(certificates.Server);
        using var server = await ServerProcess.Start("Production", new Dictionary<string, string>
        {
            ["Upstream__Mode"] = "Emulator",
            ["Tls__CertificatePath"] = serving.CertificatePath,
            ["Tls__KeyPath"] = serving.KeyPath,
        }).ReadyAsync();

        Assert.Equal("https", server.Address.Scheme);
        using var client = new TlsClient(server.Address, certificates.Ca);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await client.Health.CheckAsync(Readiness)).Status);
        Assert.Equal(certificates.Server.Thumbprint, client.ServerThumbprint);
        Assert.Contains($"TLS: new connections are served CN=server one (thumbprint {certificates.Server.Thumbprint})", server.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("missing certificate", "Tls:CertificatePath ({0}) does not exist.")]
    [InlineData("key of another certificate", "Tls:KeyPath ({1}) holds a private key that cannot be read or does not belong to the certificate in Tls:CertificatePath.")]
    [InlineData("no key", "Tls:CertificatePath ({0}) holds no private key; add it to the file or set Tls:KeyPath to the key's file.")]
    [InlineData("missing client CA", "Tls:ClientCaPath ({2}) does not exist.")]
    public async Task An_unusable_file_at_start_exits_non_zero_with_one_line_naming_the_setting(string problem, string expected)
    {
        var directory = certificates.NewDirectory();
        var (certificate, key, authorities) = problem switch
        {
            "missing certificate" => (Path.Combine(directory, "tls.crt"), certificates.Server.KeyPath, (string?)null),
            "key of another certificate" => (certificates.Server.CertificatePath, certificates.SecondServer.KeyPath, null),
            "no key" => (certificates.Server.CertificatePath, (string?)null, null),
            _ => (certificates.Server.CertificatePath, certificates.Server.KeyPath, Path.Combine(directory, "ca.crt")),
        };
        var variables = new Dictionary<string, string> { ["Upstream__Mode"] = "Emulator", ["Tls__CertificatePath"] = certificate };
        if (key is not null)
        {
            variables["Tls__KeyPath"] = key;
        }
        if (authorities is not null)
        {
            variables["Tls__ClientCaPath"] = authorities;
        }
        using var server = ServerProcess.Start("Production", variables);

        Assert.Equal(1, await server.ExitCodeAsync());
        var line = Assert.Single(server.Output.Split('\n'), l => l.StartsWith("UploadsGrpc cannot start: ", StringComparison.Ordinal));
        Assert.Equal("UploadsGrpc cannot start: " + string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, certificate, key, authorities), line);
        Assert.DoesNotContain("PRIVATE KEY", server.Output, StringComparison.Ordinal);
    }

    private static FacadeHost Start(CertificateFiles serving, string? clientCaPath = null, CapturedLogs? logs = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Upstream:Mode"] = "Emulator",
            ["Tls:CertificatePath"] = serving.CertificatePath,
            ["Tls:KeyPath"] = serving.KeyPath,
            ["Tls:ReloadInterval"] = "00:00:00.2",
            // Kestrel logs a failed handshake, with its reason, at Debug only.
            ["Logging:LogLevel:Microsoft.AspNetCore.Server.Kestrel.Https"] = "Debug",
        };
        if (clientCaPath is not null)
        {
            settings["Tls:ClientCaPath"] = clientCaPath;
        }
        return new FacadeHost(settings) { Logs = logs };
    }

    /// <summary>Whether a client on a new connection is shown the certificate with <paramref name="thumbprint"/>.</summary>
    private async Task<bool> NewConnectionSeesAsync(Uri address, string thumbprint)
    {
        using var client = new TlsClient(address, certificates.Ca);
        await client.Health.CheckAsync(Readiness);
        return client.ServerThumbprint == thumbprint;
    }

    private static void WriteSecretVersion(string volume, string name, CertificateFiles source)
    {
        var version = Directory.CreateDirectory(Path.Combine(volume, name)).FullName;
        File.Copy(source.CertificatePath, Path.Combine(version, "tls.crt"));
        File.Copy(source.KeyPath, Path.Combine(version, "tls.key"));
    }

    /// <summary>rename(2) of a link over a link, as the kubelet does; File.Move would follow them to directories and refuse.</summary>
    private static void RenameOver(string link, string destination)
    {
        using var mv = Process.Start("mv", ["-T", link, destination]);
        mv.WaitForExit();
        Assert.Equal(0, mv.ExitCode);
    }

    /// <summary>Sends the HTTP/2 client preface in cleartext and returns how many bytes came back before the connection closed.</summary>
    private static async Task<int> AnswerToPrefaceAsync(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Http2Preface);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await stream.ReadAsync(new byte[1024], timeout.Token);
    }
}
