using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using UploadsGrpc.Server.Telemetry;

namespace UploadsGrpc.Server.Tls;

/// <summary>
/// Which client certificates the port trusts: those that chain to a CA of Tls:ClientCaPath, are within their
/// validity period and allow client authentication. Revocation is not checked: the CA file is the list, and a
/// replaced file takes effect within Tls:ReloadInterval. The handshake checks with <see cref="CreatePolicy"/>;
/// code that authenticates a caller by its certificate asks <see cref="IsTrusted"/>, which also catches a
/// connection made before its CA was removed from the file.
/// </summary>
internal sealed class ClientCertificateTrust : IDisposable
{
    public const string Setting = "Tls:ClientCaPath";

    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    private readonly TimeProvider _clock;
    private readonly ILogger<ClientCertificateTrust> _logger;
    private readonly PolledFiles? _files;
    private volatile X509Certificate2Collection _authorities = [];
    private CancellationTokenSource _changed = new();

    public ClientCertificateTrust(IOptions<TlsOptions> options, TimeProvider clock, ILogger<ClientCertificateTrust> logger)
    {
        _clock = clock;
        _logger = logger;
        var settings = options.Value;
        if (!settings.ChecksClientCertificates)
        {
            return;
        }
        _files = Files(settings);
        _authorities = _files.Load(Load);
        Loaded(_authorities);
    }

    /// <summary>Whether callers are asked for a certificate at all (Tls:ClientCaPath is set).</summary>
    public bool IsConfigured => _files is not null;

    /// <summary>Fires when a reload changed the CAs, so what copied them (the certificate handler's options) copies them again.</summary>
    public IChangeToken Changed() => new CancellationChangeToken(_changed.Token);

    /// <summary>The CA certificates in use, a copy; empty when Tls:ClientCaPath is not set.</summary>
    public X509Certificate2Collection Authorities => [.. _authorities];

    /// <summary>
    /// Whether <paramref name="certificate"/> chains to a CA in use now, with <paramref name="intermediates"/> (as
    /// the client sent them) to bridge the gap. Always false when Tls:ClientCaPath is not set.
    /// </summary>
    public bool IsTrusted(X509Certificate2 certificate, X509Certificate2Collection? intermediates = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (CreatePolicy() is not { } policy)
        {
            return false;
        }
        if (intermediates is not null)
        {
            policy.ExtraStore.AddRange(intermediates);
        }
        using var chain = new X509Chain { ChainPolicy = policy };
        return chain.Build(certificate);
    }

    /// <summary>
    /// A new chain policy over the CAs in use (SslStream adds the client's intermediates to the one it is given, so
    /// every handshake gets its own), or null when Tls:ClientCaPath is not set.
    /// </summary>
    public X509ChainPolicy? CreatePolicy()
    {
        if (_files is null)
        {
            return null;
        }
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            VerificationTime = _clock.GetUtcNow().UtcDateTime,
            VerificationTimeIgnored = false,
        };
        policy.CustomTrustStore.AddRange(_authorities);
        policy.ApplicationPolicy.Add(new Oid(ClientAuthentication));
        return policy;
    }

    /// <summary>Reads Tls:ClientCaPath again and trusts its CAs from now on if it changed and can be used.</summary>
    public void Reload()
    {
        if (_files is null)
        {
            return;
        }
        if (_files.Reload(Load, out var failure) is { } loaded)
        {
            _authorities = loaded;
            Loaded(loaded);
            using var previous = Interlocked.Exchange(ref _changed, new CancellationTokenSource());
            previous.Cancel();
        }
        else if (failure is not null)
        {
            ServerLog.TlsReloadFailed(_logger, failure.Setting, "client CA certificates", failure.Message);
        }
    }

    public static PolledFiles Files(TlsOptions settings) => new([(Setting, settings.ClientCaPath)]);

    public static X509Certificate2Collection Load(IReadOnlyList<PemFile> files)
    {
        var file = files[0];
        var text = file.Text();
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPem(text);
        }
        catch (CryptographicException)
        {
            throw new TlsFileException(file.Setting, file.Path, "holds a certificate that cannot be read.");
        }
        finally
        {
            Array.Clear(text);
        }
        return authorities.Count > 0 ? authorities : throw new TlsFileException(file.Setting, file.Path, "holds no PEM certificate.");
    }

    private void Loaded(X509Certificate2Collection authorities)
    {
        if (_logger.IsEnabled(LogLevel.Information))
        {
            var subjects = string.Join("; ", authorities.Select(authority => authority.Subject));
            ServerLog.TlsClientAuthoritiesLoaded(_logger, authorities.Count, subjects);
        }
    }

    public void Dispose() => _changed.Dispose();
}
