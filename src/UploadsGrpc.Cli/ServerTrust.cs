using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace UploadsGrpc.Cli;

/// <summary>
/// TLS to an https:// server from PEM files: a private CA to verify it against (rather than the system's roots),
/// and a client certificate for mutual TLS.
/// </summary>
internal static class ServerTrust
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    /// <exception cref="UsageException">A file is missing, unreadable or holds no usable PEM.</exception>
    public static SslClientAuthenticationOptions ClientOptions(string? caFile, string? clientCert, string? clientKey)
    {
        var options = new SslClientAuthenticationOptions();
        if (caFile is not null)
        {
            var authorities = Load("--ca-file", caFile, () =>
            {
                var certificates = new X509Certificate2Collection();
                certificates.ImportFromPemFile(caFile);
                return certificates.Count > 0 ? certificates : throw new CryptographicException("it holds no PEM certificate.");
            });
            var explained = false;
            options.RemoteCertificateValidationCallback = (_, certificate, presented, errors) =>
            {
                // SslStream's own error only says the callback refused; this line says why, once per command.
                if (Rejection(authorities, certificate, presented, errors) is not { } reason)
                {
                    return true;
                }
                if (!explained)
                {
                    explained = true;
                    Console.Error.WriteLine($"The server's certificate is not trusted: {reason}.");
                }
                return false;
            };
        }
        if (clientKey is not null && clientCert is null)
        {
            throw new UsageException("--client-key needs --client-cert.");
        }
        if (clientCert is not null)
        {
            var chain = Load("--client-cert", clientCert, () =>
            {
                var certificates = new X509Certificate2Collection();
                certificates.ImportFromPemFile(clientCert);
                return certificates;
            });
            var leaf = Load(clientKey is null ? "--client-cert" : "--client-key", clientKey ?? clientCert, () => X509Certificate2.CreateFromPemFile(clientCert, clientKey));
            // Intermediates after the leaf in the file are sent too, so the server needs only the root.
            options.ClientCertificateContext = SslStreamCertificateContext.Create(leaf, new X509Certificate2Collection(chain.Skip(1).ToArray()), offline: true);
        }
        return options;
    }

    private static T Load<T>(string option, string path, Func<T> load)
    {
        try
        {
            return load();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new UsageException($"{option} {path} cannot be used: {ex.Message}");
        }
    }

    /// <summary>
    /// Why the server's certificate is refused, or null when it chains to one of <paramref name="authorities"/> and
    /// is for server authentication. The host name is still checked as usual: SslStream reports a mismatch in
    /// <paramref name="errors"/>.
    /// </summary>
    private static string? Rejection(X509Certificate2Collection authorities, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is not X509Certificate2 server || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return "the server sent none";
        }
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return $"{server.Subject} is not issued for the host name of --server";
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        // Intermediates: those the server sent (SslStream put them here) and any the file holds beside its roots.
        chain.ChainPolicy.ExtraStore.AddRange(authorities);
        if (presented is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
        }
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ServerAuthentication));
        // A private CA seldom publishes revocation lists, and an unreachable one would fail every call.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        try
        {
            return chain.Build(server)
                ? null
                : $"{server.Subject} does not chain to a CA of --ca-file ({string.Join(", ", chain.ChainStatus.Select(s => s.Status).Distinct())})";
        }
        finally
        {
            foreach (var element in chain.ChainElements)
            {
                element.Certificate.Dispose();
            }
        }
    }
}
