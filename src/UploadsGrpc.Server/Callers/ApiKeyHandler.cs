using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace UploadsGrpc.Server.Callers;

/// <summary>
/// Bearer API keys, looked up by hash. Written here because ASP.NET Core has no API-key handler: its bearer
/// handler takes JWTs only.
/// </summary>
internal sealed class ApiKeyHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (BearerToken.Read(Request) is not { } token)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        if (token.Length == 0 || keys.Find(token) is not { } caller)
        {
            return Task.FromResult(AuthenticateResult.Fail("the bearer token is not a known API key."));
        }
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, caller)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
