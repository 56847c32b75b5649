using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace UploadsGrpc.Server.Tls;

/// <summary>The certificate the port serves, with its key and the intermediates sent after it.</summary>
internal sealed class ServerCertificate
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    private static readonly string[] KeyLabels = ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"];

    private ServerCertificate(X509Certificate2 certificate, SslStreamCertificateContext context)
    {
        Certificate = certificate;
        Context = context;
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>Built once a load rather than once a handshake, which is what SslStream would do with a bare certificate.</summary>
    public SslStreamCertificateContext Context { get; }

    /// <summary>
    /// Parses the certificate file (the first certificate is the port's, any others its intermediates) and the key
    /// file, or the key from the certificate file when <paramref name="keyFile"/> is null.
    /// </summary>
    public static ServerCertificate Load(PemFile certificateFile, PemFile? keyFile)
    {
        var certificateText = certificateFile.Text();
        var keyText = keyFile?.Text() ?? certificateText;
        try
        {
            var all = ReadCertificates(certificateFile, certificateText);
            // The port's own certificate is read again below, with its key.
            all[0].Dispose();
            var intermediates = new X509Certificate2Collection();
            for (var i = 1; i < all.Count; i++)
            {
                intermediates.Add(all[i]);
            }
            var certificate = WithKey(certificateFile, keyFile, certificateText, keyText);
            if (!AllowsServerAuthentication(certificate))
            {
                throw new TlsFileException(certificateFile.Setting, certificateFile.Path,
                    "holds a certificate whose extended key usage does not include server authentication.");
            }
            // offline: intermediates missing from the file are not fetched during a handshake; the file must hold them.
            return new ServerCertificate(certificate, SslStreamCertificateContext.Create(certificate, intermediates, offline: true));
        }
        finally
        {
            Array.Clear(certificateText);
            Array.Clear(keyText);
        }
    }

    private static X509Certificate2Collection ReadCertificates(PemFile file, char[] text)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(text);
        }
        catch (CryptographicException)
        {
            throw new TlsFileException(file.Setting, file.Path, "holds a certificate that cannot be read.");
        }
        return certificates.Count > 0 ? certificates : throw new TlsFileException(file.Setting, file.Path, "holds no PEM certificate.");
    }

    private static X509Certificate2 WithKey(PemFile certificateFile, PemFile? keyFile, char[] certificateText, char[] keyText)
    {
        var (setting, path) = keyFile is null ? (certificateFile.Setting, certificateFile.Path) : (keyFile.Setting, keyFile.Path);
        var labels = Labels(keyText);
        if (labels.Contains("ENCRYPTED PRIVATE KEY"))
        {
            throw new TlsFileException(setting, path, "holds an encrypted private key; give the key unencrypted (protect the file instead).");
        }
        if (!labels.Any(KeyLabels.Contains))
        {
            throw new TlsFileException(setting, path, keyFile is null
                ? "holds no private key; add it to the file or set Tls:KeyPath to the key's file."
                : "holds no PEM private key.");
        }
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(certificateText, keyText);
        }
        // A key of another certificate is an ArgumentException for EC keys and a CryptographicException for RSA ones.
        catch (Exception failure) when (failure is CryptographicException or ArgumentException)
        {
            throw new TlsFileException(setting, path, "holds a private key that cannot be read or does not belong to the certificate in Tls:CertificatePath.");
        }
        if (!OperatingSystem.IsWindows())
        {
            return certificate;
        }
        // SChannel cannot use the ephemeral key CreateFromPem gives; OpenSSL (Linux, the image) and macOS can.
        using (certificate)
        {
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        }
    }

    private static List<string> Labels(char[] text)
    {
        var labels = new List<string>();
        ReadOnlySpan<char> rest = text;
        while (PemEncoding.TryFind(rest, out var fields))
        {
            labels.Add(rest[fields.Label].ToString());
            rest = rest[fields.Location.End..];
        }
        return labels;
    }

    private static bool AllowsServerAuthentication(X509Certificate2 certificate)
    {
        // A certificate without the extension may be used for anything.
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        return usages is null || usages.EnhancedKeyUsages.Cast<Oid>().Any(usage => usage.Value == ServerAuthentication);
    }
}
