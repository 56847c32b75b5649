using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Health.V1;
using Grpc.Net.Client;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>
/// A gRPC client on its own connection that trusts only the test CA (the chain and the name 127.0.0.1 are
/// checked, as any client would), optionally presenting a client certificate, and remembering the server
/// certificate it was shown.
/// </summary>
public sealed class TlsClient : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly X509Certificate2 _authority;
    private readonly X509Certificate2? _clientCertificate;

    public TlsClient(Uri address, CertificateFiles authority, CertificateFiles? clientCertificate = null)
    {
        _authority = X509Certificate2.CreateFromPem(File.ReadAllText(authority.CertificatePath));
        _clientCertificate = clientCertificate?.Load();
        var ssl = new SslClientAuthenticationOptions
        {
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
                CustomTrustStore = { _authority },
            },
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                ServerThumbprint = (certificate as X509Certificate2)?.Thumbprint;
                Errors = errors;
                return errors == SslPolicyErrors.None;
            },
        };
        if (_clientCertificate is not null)
        {
            ssl.ClientCertificates = [_clientCertificate];
        }
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { SslOptions = ssl } });
    }

    /// <summary>The thumbprint of the certificate the server presented, once a call connected.</summary>
    public string? ServerThumbprint { get; private set; }

    public SslPolicyErrors? Errors { get; private set; }

    public Health.HealthClient Health => new(_channel);

    public UploadService.UploadServiceClient Uploads => new(_channel);

    public void Dispose()
    {
        _channel.Dispose();
        _authority.Dispose();
        _clientCertificate?.Dispose();
    }
}
