using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>
/// Opens one TLS connection with a client certificate, sends the HTTP/2 preface and reports whether the
/// server answered with a frame. A gRPC client cannot say this exactly: under TLS 1.3 the server checks the
/// client certificate after the client thinks the handshake is done, so whether the client library sees the
/// alert (UNAVAILABLE) or just a closed connection (INTERNAL) depends on timing.
/// </summary>
public static class TlsProbe
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    // An empty SETTINGS frame: length 0, type 4, no flags, stream 0.
    private static readonly byte[] EmptySettings = [0, 0, 0, 4, 0, 0, 0, 0, 0];

    /// <summary>True when the server sent an HTTP/2 SETTINGS frame; false when it ended the connection first.</summary>
    public static async Task<bool> ServerSpeaksHttp2Async(Uri address, CertificateFiles authority, CertificateFiles clientCertificate)
    {
        using var trusted = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(authority.CertificatePath));
        using var presented = clientCertificate.Load();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port, timeout.Token);
        await using var tls = new SslStream(tcp.GetStream());
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = address.Host,
                ApplicationProtocols = [SslApplicationProtocol.Http2],
                ClientCertificates = [presented],
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    RevocationMode = X509RevocationMode.NoCheck,
                    CustomTrustStore = { trusted },
                },
            }, timeout.Token);
            await tls.WriteAsync(Preface, timeout.Token);
            await tls.WriteAsync(EmptySettings, timeout.Token);
            var header = new byte[9];
            await tls.ReadExactlyAsync(header, timeout.Token);
            return header[3] == 4;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            // The alert, a reset, or the end of the stream before a whole frame header.
            return false;
        }
    }
}
