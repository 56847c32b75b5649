using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using UploadsGrpc.Server.Tests.Infrastructure;
using UploadsGrpc.Server.Tls;

namespace UploadsGrpc.Server.Tests.Tls;

/// <summary>
/// Which client certificates are trusted: a chain to a CA of Tls:ClientCaPath, within its validity on the service's
/// clock, for client authentication; and what a reload of the CA file changes.
/// </summary>
public sealed class ClientCertificateTrustTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly string _directory = Directory.CreateTempSubdirectory("uploadsgrpc-trust-").FullName;
    private readonly FakeTimeProvider _clock = new(Now);
    private readonly RecordingLogger<ClientCertificateTrust> _logger = new();
    private readonly X509Certificate2 _ca = Authority("CN=Trusted CA");
    private readonly X509Certificate2 _otherCa = Authority("CN=Other CA");

    [Fact]
    public void A_client_certificate_of_the_CA_is_trusted_and_one_of_another_CA_is_not()
    {
        var trust = Trust(_ca);
        using var ours = Leaf(_ca, "CN=ours", ClientAuthentication);
        using var theirs = Leaf(_otherCa, "CN=theirs", ClientAuthentication);

        Assert.True(trust.IsConfigured);
        Assert.True(trust.IsTrusted(ours));
        Assert.False(trust.IsTrusted(theirs));
        Assert.Equal([_ca.Thumbprint], trust.Authorities.Select(authority => authority.Thumbprint));
    }

    [Fact]
    public void Validity_is_checked_on_the_services_clock()
    {
        var clock = new FakeTimeProvider(Now.AddDays(-2));
        var trust = Trust(_ca, clock);
        using var client = Leaf(_ca, "CN=ours", ClientAuthentication);

        Assert.False(trust.IsTrusted(client));
        clock.SetUtcNow(Now.AddDays(29));
        Assert.True(trust.IsTrusted(client));
        clock.SetUtcNow(Now.AddDays(31));
        Assert.False(trust.IsTrusted(client));
    }

    [Fact]
    public void A_certificate_only_for_server_authentication_is_not_a_client_identity()
    {
        var trust = Trust(_ca);
        using var server = Leaf(_ca, "CN=a server", "1.3.6.1.5.5.7.3.1");

        Assert.False(trust.IsTrusted(server));
    }

    [Fact]
    public void Without_Tls_ClientCaPath_nothing_is_trusted()
    {
        var trust = new ClientCertificateTrust(Options.Create(new TlsOptions { CertificatePath = "/unused" }), _clock, _logger);
        using var client = Leaf(_ca, "CN=ours", ClientAuthentication);

        Assert.False(trust.IsConfigured);
        Assert.False(trust.IsTrusted(client));
        Assert.Null(trust.CreatePolicy());
        Assert.Empty(trust.Authorities);
    }

    [Fact]
    public void A_replaced_CA_file_is_trusted_after_a_reload_and_a_broken_one_keeps_the_CAs_in_use_and_is_reported_once()
    {
        var trust = Trust(_ca);
        using var ours = Leaf(_ca, "CN=ours", ClientAuthentication);
        using var theirs = Leaf(_otherCa, "CN=theirs", ClientAuthentication);

        File.WriteAllText(CaPath, _otherCa.ExportCertificatePem());
        trust.Reload();
        Assert.False(trust.IsTrusted(ours));
        Assert.True(trust.IsTrusted(theirs));

        File.WriteAllText(CaPath, "not a certificate");
        trust.Reload();
        trust.Reload();
        Assert.True(trust.IsTrusted(theirs));
        var failure = Assert.Single(_logger.Entries, entry => entry.EventName == "TlsReloadFailed");
        Assert.Equal(LogLevel.Warning, failure.Level);
        Assert.Equal(
            $"TLS: Tls:ClientCaPath changed but cannot be used; keeping the client CA certificates loaded before: Tls:ClientCaPath ({CaPath}) holds no PEM certificate.",
            failure.Message);
        Assert.Equal(2, _logger.Entries.Count(entry => entry.EventName == "TlsClientAuthoritiesLoaded"));
    }

    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    private string CaPath => Path.Combine(_directory, "ca.crt");

    private ClientCertificateTrust Trust(X509Certificate2 authority, TimeProvider? clock = null)
    {
        File.WriteAllText(CaPath, authority.ExportCertificatePem());
        var options = new TlsOptions { CertificatePath = "/unused", ClientCaPath = CaPath };
        return new ClientCertificateTrust(Options.Create(options), clock ?? _clock, _logger);
    }

    private static X509Certificate2 Authority(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        return request.CreateSelfSigned(Now.AddDays(-10), Now.AddDays(365));
    }

    /// <summary>Valid from a day before <see cref="Now"/> to 30 days after it.</summary>
    private static X509Certificate2 Leaf(X509Certificate2 issuer, string subject, string usage)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        return request.Create(issuer, Now.AddDays(-1), Now.AddDays(30), [1, 2, 3, (byte)Random.Shared.Next(256)]);
    }

    public void Dispose()
    {
        _ca.Dispose();
        _otherCa.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
