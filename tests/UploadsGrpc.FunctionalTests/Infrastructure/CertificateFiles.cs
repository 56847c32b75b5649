using System.Security.Cryptography.X509Certificates;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>A PEM certificate file (possibly with its chain) and its key file, as openssl wrote them.</summary>
public sealed record CertificateFiles(string CertificatePath, string KeyPath)
{
    /// <summary>The first certificate of the file, with its key: what a server serves or a client presents.</summary>
    public X509Certificate2 Load() => X509Certificate2.CreateFromPemFile(CertificatePath, KeyPath);

    public string Thumbprint
    {
        get
        {
            using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(CertificatePath));
            return certificate.Thumbprint;
        }
    }
}
