using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>
/// A private certificate authority made for one test, and certificates it issues, written as PEM files the way
/// openssl writes them, so the CLI reads what a user's CA would give it.
/// </summary>
public sealed class IssuedCertificates : IDisposable
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly string _directory;
    private readonly string _name;

    public IssuedCertificates(string directory, string name)
    {
        _directory = directory;
        _name = name;
        var request = new CertificateRequest($"CN=UploadsGrpc test CA {name}", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        AuthorityFile = Path.Combine(directory, $"{name}-ca.pem");
        File.WriteAllText(AuthorityFile, Authority.ExportCertificatePem());
    }

    public X509Certificate2 Authority { get; }

    /// <summary>The CA's certificate alone, as a --ca-file.</summary>
    public string AuthorityFile { get; }

    /// <summary>A server certificate for 127.0.0.1 (or for <paramref name="dnsName"/> alone).</summary>
    public X509Certificate2 IssueServer(string? dnsName = null)
    {
        var names = new SubjectAlternativeNameBuilder();
        if (dnsName is null)
        {
            names.AddIpAddress(IPAddress.Loopback);
        }
        else
        {
            names.AddDnsName(dnsName);
        }
        return Issue("server", names.Build(), ServerAuthentication);
    }

    /// <summary>A client certificate, with its PEM files: the certificate, the key, and both in one file.</summary>
    public (X509Certificate2 Certificate, string CertificateFile, string KeyFile, string CombinedFile) IssueClient(string name)
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri($"spiffe://uploadsgrpc.test/{name}"));
        var certificate = Issue(name, names.Build(), ClientAuthentication);
        var certificatePem = certificate.ExportCertificatePem() + "\n";
        var keyPem = certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n";
        var certificateFile = Path.Combine(_directory, $"{_name}-{name}.pem");
        var keyFile = Path.Combine(_directory, $"{_name}-{name}.key");
        var combinedFile = Path.Combine(_directory, $"{_name}-{name}-with-key.pem");
        File.WriteAllText(certificateFile, certificatePem);
        File.WriteAllText(keyFile, keyPem);
        File.WriteAllText(combinedFile, certificatePem + keyPem);
        return (certificate, certificateFile, keyFile, combinedFile);
    }

    /// <summary>Whether <paramref name="certificate"/> chains to this CA alone, as a server checks a client's.</summary>
    public bool Issued(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    private X509Certificate2 Issue(string name, X509Extension alternativeNames, string usage)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Authority, true, false));
        request.CertificateExtensions.Add(alternativeNames);
        var serial = RandomNumberGenerator.GetBytes(16);
        using var issued = request.Create(Authority, DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddHours(12), serial);
        return issued.CopyWithPrivateKey(key);
    }

    public void Dispose()
    {
        Authority.Dispose();
        _key.Dispose();
    }
}
