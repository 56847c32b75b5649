namespace UploadsGrpc.Server.Tls;

/// <summary>The <c>Tls</c> section: the gRPC port's certificate and key, the CAs its callers' certificates must chain to, and how often they are read again.</summary>
public sealed class TlsOptions
{
    public const string Section = "Tls";

    /// <summary>Tls:CertificatePath: the PEM certificate the port serves, followed by its intermediates if any. Unset: the port speaks cleartext h2c.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Tls:KeyPath: the certificate's unencrypted PEM private key. Unset: the key is read from Tls:CertificatePath.</summary>
    public string? KeyPath { get; set; }

    /// <summary>
    /// Tls:ClientCaPath: PEM CA certificates. Set, the port asks every caller for a certificate; one that does not
    /// chain to these fails the handshake, and a caller without one is still let in (authentication decides).
    /// </summary>
    public string? ClientCaPath { get; set; }

    /// <summary>Tls:ReloadInterval: how often the files are read again; a changed file is used for new connections (10 s).</summary>
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether the port speaks TLS at all.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(CertificatePath);

    /// <summary>Whether callers are asked for a certificate.</summary>
    public bool ChecksClientCertificates => Enabled && !string.IsNullOrWhiteSpace(ClientCaPath);
}
