using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using UploadsGrpc.Server.Tls;

namespace UploadsGrpc.Server.Callers;

/// <summary>Rebuilds the certificate handler's options, with their copy of the CAs, whenever Tls:ClientCaPath is reloaded.</summary>
internal sealed class ClientCertificateChanges(ClientCertificateTrust trust) : IOptionsChangeTokenSource<CertificateAuthenticationOptions>
{
    public string Name => CertificateAuthenticationDefaults.AuthenticationScheme;

    public IChangeToken GetChangeToken() => trust.Changed();
}
