using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Telemetry;

namespace UploadsGrpc.Server.Tls;

/// <summary>The certificate new connections are served, from Tls:CertificatePath and Tls:KeyPath, replaced when the files change.</summary>
internal sealed class ServerCertificateSource
{
    public const string CertificateSetting = "Tls:CertificatePath";
    public const string KeySetting = "Tls:KeyPath";

    private readonly ILogger<ServerCertificateSource> _logger;
    private readonly PolledFiles? _files;
    private volatile ServerCertificate? _current;

    public ServerCertificateSource(IOptions<TlsOptions> options, ILogger<ServerCertificateSource> logger)
    {
        _logger = logger;
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return;
        }
        _files = Files(settings);
        _current = _files.Load(Load);
        Loaded(_current);
    }

    /// <summary>The certificate in use. A connection keeps the one it was served; the one replaced is left to the GC, not disposed, for handshakes still using it.</summary>
    public ServerCertificate Current => _current ?? throw new InvalidOperationException("Tls:CertificatePath is not set.");

    public static PolledFiles Files(TlsOptions settings) =>
        new([(CertificateSetting, settings.CertificatePath), (KeySetting, string.IsNullOrWhiteSpace(settings.KeyPath) ? null : settings.KeyPath)]);

    /// <summary>The certificate file first, then the key file when it is set.</summary>
    public static ServerCertificate Load(IReadOnlyList<PemFile> files) => ServerCertificate.Load(files[0], files.Count > 1 ? files[1] : null);

    /// <summary>Reads the files again and serves their certificate from now on if they changed and can be used.</summary>
    public void Reload()
    {
        if (_files is null)
        {
            return;
        }
        if (_files.Reload(Load, out var failure) is { } loaded)
        {
            _current = loaded;
            Loaded(loaded);
        }
        else if (failure is not null)
        {
            ServerLog.TlsReloadFailed(_logger, failure.Setting, "certificate", failure.Message);
        }
    }

    private void Loaded(ServerCertificate loaded)
    {
        if (_logger.IsEnabled(LogLevel.Information))
        {
            var certificate = loaded.Certificate;
            var notAfter = certificate.NotAfter.ToUniversalTime();
            ServerLog.TlsCertificateLoaded(_logger, certificate.Subject, certificate.Thumbprint, notAfter);
        }
    }
}
