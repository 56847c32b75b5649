using Grpc.Core;
using Grpc.Health.V1;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests;

/// <summary>
/// Auth:Mode=Mesh with mutual TLS on the port itself: a client certificate from Tls:ClientCaPath names the caller
/// (its URI SAN, else its common name), one of another CA fails the handshake, and no certificate is
/// UNAUTHENTICATED; none of the refused calls reaches the upstream.
/// </summary>
public sealed class MutualTlsTests(TestCertificates certificates) : IClassFixture<TestCertificates>, IAsyncLifetime, IDisposable
{
    private EmulatorProcess _emulator = null!;
    private FacadeHost _facade = null!;

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorProcess.StartAsync();
        _facade = MeshFacade(certificates.Ca.CertificatePath, new Dictionary<string, string?>
        {
            ["Callers:Default:Groups:0"] = "none",
            ["Callers:Named:0:Name"] = TestCertificates.SpiffeId,
            ["Callers:Named:0:Groups:0"] = "files:read",
            ["Callers:Named:1:Name"] = "client one",
            ["Callers:Named:1:Groups:0"] = "uploads:write",
        });
        _ = _facade.Address;
    }

    [Fact]
    public async Task A_certificates_URI_SAN_names_the_caller()
    {
        using var client = new TlsClient(_facade.Address, certificates.Ca, certificates.SpiffeClient);
        var before = await _emulator.RequestTotalAsync();

        var refused = await RpcAssert.FailsAsync(StatusCode.PermissionDenied, () => client.Uploads.CreateUploadAsync(Calls.ValidCreate()).ResponseAsync);
        Assert.Equal(("RPC_NOT_ALLOWED", TestCertificates.SpiffeId), (RpcAssert.ErrorInfo(refused).Reason, RpcAssert.ErrorInfo(refused).Metadata["caller"]));
        Assert.Equal(before, await _emulator.RequestTotalAsync());
    }

    [Fact]
    public async Task A_certificate_without_a_URI_SAN_is_the_caller_of_its_common_name()
    {
        using var client = new TlsClient(_facade.Address, certificates.Ca, certificates.Client);
        var created = await client.Uploads.CreateUploadAsync(Calls.ValidCreate());
        Assert.Equal(UploadStatus.Pending, created.Upload.Status);
    }

    [Fact]
    public async Task A_certificate_of_an_intermediate_CA_listed_with_its_root_names_the_caller()
    {
        var authorities = Path.Combine(certificates.NewDirectory(), "ca.crt");
        await File.WriteAllTextAsync(authorities,
            await File.ReadAllTextAsync(certificates.Ca.CertificatePath) + await File.ReadAllTextAsync(certificates.Intermediate.CertificatePath));
        await using var facade = MeshFacade(authorities, new Dictionary<string, string?>
        {
            ["Callers:Named:0:Name"] = "client of the intermediate",
            ["Callers:Named:0:Groups:0"] = "files:read",
        });
        using var client = new TlsClient(facade.Address, certificates.Ca, certificates.IntermediateClient);

        var refused = await RpcAssert.FailsAsync(StatusCode.PermissionDenied, () => client.Uploads.CreateUploadAsync(Calls.ValidCreate()).ResponseAsync);
        Assert.Equal("client of the intermediate", RpcAssert.ErrorInfo(refused).Metadata["caller"]);
    }

    [Fact]
    public async Task No_certificate_is_unauthenticated_but_health_is_open()
    {
        using var client = new TlsClient(_facade.Address, certificates.Ca);
        var before = await _emulator.RequestTotalAsync();

        var refused = await RpcAssert.FailsAsync(StatusCode.Unauthenticated, () => client.Uploads.CreateUploadAsync(Calls.ValidCreate()).ResponseAsync);
        Assert.Equal(("uploadsgrpc", "CREDENTIAL_MISSING", "Mesh"),
            (RpcAssert.ErrorInfo(refused).Domain, RpcAssert.ErrorInfo(refused).Reason, RpcAssert.ErrorInfo(refused).Metadata["mode"]));
        Assert.Equal(before, await _emulator.RequestTotalAsync());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await client.Health.CheckAsync(new HealthCheckRequest())).Status);
    }

    [Fact]
    public async Task A_certificate_of_another_CA_fails_at_the_handshake()
    {
        var before = await _emulator.RequestTotalAsync();

        Assert.False(await TlsProbe.ServerSpeaksHttp2Async(_facade.Address, certificates.Ca, certificates.OtherClient));
        using (var client = new TlsClient(_facade.Address, certificates.Ca, certificates.OtherClient))
        {
            // UNAVAILABLE or INTERNAL, as the client library sees the alert or only the closed connection.
            var refused = await Assert.ThrowsAsync<RpcException>(() => client.Uploads.CreateUploadAsync(Calls.ValidCreate()).ResponseAsync);
            Assert.Null(refused.GetRpcStatus());
        }
        Assert.Equal(before, await _emulator.RequestTotalAsync());
    }

    [Fact]
    public async Task A_certificate_of_the_trusted_CA_gets_past_the_handshake()
    {
        // The probe's other answer, so the test above cannot pass on a probe that never sees a frame.
        Assert.True(await TlsProbe.ServerSpeaksHttp2Async(_facade.Address, certificates.Ca, certificates.Client));
    }

    [Fact]
    public async Task A_replaced_CA_file_decides_who_authenticates_without_a_restart()
    {
        var authorities = Path.Combine(certificates.NewDirectory(), "ca.crt");
        File.Copy(certificates.Ca.CertificatePath, authorities);
        await using var facade = MeshFacade(authorities, new Dictionary<string, string?>
        {
            ["Tls:ReloadInterval"] = "00:00:00.2",
            ["Callers:Default:Groups:0"] = "uploads:write",
        });
        using (var before = new TlsClient(facade.Address, certificates.Ca, certificates.Client))
        {
            Assert.Equal(UploadStatus.Pending, (await before.Uploads.CreateUploadAsync(Calls.ValidCreate())).Upload.Status);
        }

        TestCertificates.Replace(authorities, await File.ReadAllBytesAsync(certificates.OtherCa.CertificatePath));

        // Each probe is a new connection; once the handshake takes the new CA, the certificate handler must too.
        await Poll.UntilAsync(() => TlsProbe.ServerSpeaksHttp2Async(facade.Address, certificates.Ca, certificates.OtherClient), TimeSpan.FromSeconds(30));
        using (var client = new TlsClient(facade.Address, certificates.Ca, certificates.OtherClient))
        {
            Assert.Equal(UploadStatus.Pending, (await client.Uploads.CreateUploadAsync(Calls.ValidCreate())).Upload.Status);
        }
        Assert.False(await TlsProbe.ServerSpeaksHttp2Async(facade.Address, certificates.Ca, certificates.Client));
    }

    /// <summary>A façade in Auth:Mode=Mesh serving TLS with the test server certificate, its client CAs from <paramref name="clientCaPath"/>.</summary>
    private FacadeHost MeshFacade(string clientCaPath, Dictionary<string, string?> more)
    {
        var serving = certificates.Serving(certificates.Server);
        var settings = new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = _emulator.ApiBase.AbsoluteUri,
            ["OPENAI_API_KEY"] = FacadeHost.ApiKey,
            ["Auth:Mode"] = "Mesh",
            ["Tls:CertificatePath"] = serving.CertificatePath,
            ["Tls:KeyPath"] = serving.KeyPath,
            ["Tls:ClientCaPath"] = clientCaPath,
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }
        return new FacadeHost(settings, "Production");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _facade.Dispose();
        _emulator.Dispose();
    }
}
