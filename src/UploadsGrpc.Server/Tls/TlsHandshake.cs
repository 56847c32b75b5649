using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace UploadsGrpc.Server.Tls;

/// <summary>
/// The TLS options of one connection, made when it arrives from the certificate and CAs in use at that moment, so
/// a reload reaches every new connection. Not Kestrel's ServerCertificateSelector: from a bare certificate SslStream
/// builds the chain it sends out of the system's stores, which do not hold the intermediates of the file.
/// </summary>
internal sealed class TlsHandshake(ServerCertificateSource certificates, ClientCertificateTrust trust)
{
    public TlsHandshakeCallbackOptions CallbackOptions => new() { OnConnection = _ => ValueTask.FromResult(CreateOptions()) };

    /// <summary>Kestrel adds ALPN (h2 for the HTTP/2 the endpoint speaks) to what this returns.</summary>
    public SslServerAuthenticationOptions CreateOptions()
    {
        var options = new SslServerAuthenticationOptions { ServerCertificateContext = certificates.Current.Context };
        if (trust.CreatePolicy() is { } policy)
        {
            // Kestrel's ClientCertificateMode.AllowCertificate: the client is asked for a certificate, one that does
            // not chain to the CAs fails the handshake, and a client without one gets through to authentication.
            options.ClientCertificateRequired = true;
            options.CertificateChainPolicy = policy;
            options.CertificateRevocationCheckMode = X509RevocationMode.NoCheck;
            options.RemoteCertificateValidationCallback = AllowMissingOrTrusted;
        }
        return options;
    }

    private static bool AllowMissingOrTrusted(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        certificate is null || errors == SslPolicyErrors.None;
}
