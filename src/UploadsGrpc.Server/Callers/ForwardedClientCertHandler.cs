using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace UploadsGrpc.Server.Callers;

/// <summary>
/// The caller a sidecar asserts in <c>x-forwarded-client-cert</c>. Written here because ASP.NET Core's certificate
/// forwarding expects the certificate itself in a header, while Envoy and Istio send its URI SAN; and because the
/// header is believed only from <see cref="TrustedProxies"/>: from anyone else it is ignored, as if absent.
/// </summary>
internal sealed class ForwardedClientCertHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    IOptions<AuthOptions> auth, TrustedProxies proxies)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ForwardedClientCert";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var name = auth.Value.Mesh.Header;
        var values = Request.Headers[name];
        if (values.ToString().Length == 0 || !proxies.Contains(Context.Connection.RemoteIpAddress))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        // Two header lines would be joined with a comma, and the caller's line could then pass for the proxy's.
        if (values.Count > 1)
        {
            return Task.FromResult(AuthenticateResult.Fail($"the {name} header came more than once; a proxy sends one."));
        }
        var header = values.ToString();
        if (!ForwardedClientCert.IsBalanced(header))
        {
            return Task.FromResult(AuthenticateResult.Fail($"the {name} header is malformed (a quote is not closed)."));
        }
        if (ForwardedClientCert.LastUri(header) is not { } uri)
        {
            return Task.FromResult(AuthenticateResult.Fail($"the {name} header names no URI (SPIFFE ID)."));
        }
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, uri)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
