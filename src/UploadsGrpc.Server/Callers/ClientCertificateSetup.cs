using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Tls;

namespace UploadsGrpc.Server.Callers;

/// <summary>
/// The certificate handler for mutual TLS on the gRPC port: a client certificate must chain to the CAs of
/// <c>Tls:ClientCaPath</c> in use now (the handshake already checked; this also refuses a connection made before
/// its CA left the file), and the caller is its URI SAN (a SPIFFE ID), else its subject's common name.
/// </summary>
internal sealed class ClientCertificateSetup(ClientCertificateTrust trust) : IConfigureNamedOptions<CertificateAuthenticationOptions>
{
    public void Configure(string? name, CertificateAuthenticationOptions options)
    {
        options.AllowedCertificateTypes = CertificateTypes.Chained;
        options.ChainTrustValidationMode = X509ChainTrustMode.CustomRootTrust;
        options.RevocationMode = X509RevocationMode.NoCheck;
        // The handler builds its own chain without the intermediates the client sent in the handshake, so an
        // intermediate CA that issues client certificates must be listed in Tls:ClientCaPath beside its root.
        options.CustomTrustStore.AddRange(trust.Authorities);
        options.Events = new CertificateAuthenticationEvents
        {
            OnCertificateValidated = context =>
            {
                var certificate = context.ClientCertificate;
                var caller = UriName(certificate) ?? certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
                if (string.IsNullOrEmpty(caller))
                {
                    context.Fail("the client certificate names no URI SAN and no common name.");
                    return Task.CompletedTask;
                }
                context.Principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, caller)], context.Scheme.Name));
                context.Success();
                return Task.CompletedTask;
            },
            OnAuthenticationFailed = context =>
            {
                context.Fail("the client certificate does not chain to a CA of Tls:ClientCaPath.");
                return Task.CompletedTask;
            },
        };
    }

    public void Configure(CertificateAuthenticationOptions options) => Configure(Options.DefaultName, options);

    /// <summary>The first URI SAN (UrlName reads the subject alternative names' URIs).</summary>
    private static string? UriName(X509Certificate2 certificate) =>
        certificate.GetNameInfo(X509NameType.UrlName, forIssuer: false) is { Length: > 0 } uri ? uri : null;
}
