using System.Net;
using Microsoft.Extensions.Options;

namespace UploadsGrpc.Server.Callers;

/// <summary>Refuses an auth set-up that could not work, or would let the wrong callers in, naming the setting.</summary>
internal sealed class AuthOptionsValidation(IConfiguration configuration) : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        if (options.ResolvedMode is not { } mode)
        {
            return ValidateOptionsResult.Fail(options.ModeReason);
        }
        var failures = mode switch
        {
            AuthMode.ApiKeys => ApiKeys(options.ApiKeys),
            AuthMode.Jwt => Jwt(options.Jwt),
            AuthMode.Mesh => Mesh(options.Mesh, hasClientCa: !string.IsNullOrEmpty(configuration["Tls:ClientCaPath"])),
            _ => [],
        };
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static List<string> ApiKeys(List<ApiKeyEntry> keys)
    {
        List<string> failures = [];
        if (keys.Count == 0)
        {
            failures.Add("Auth:Mode=ApiKeys needs at least one caller in Auth:ApiKeys (Caller and Sha256).");
        }
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < keys.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(keys[i].Caller))
            {
                failures.Add($"Auth:ApiKeys:{i}:Caller must name the caller.");
            }
            if (keys[i].Sha256.Length != 64 || !keys[i].Sha256.All(Uri.IsHexDigit))
            {
                failures.Add($"Auth:ApiKeys:{i}:Sha256 must be the SHA-256 of the key as 64 hexadecimal digits, not the key itself.");
            }
            else if (!seen.Add(keys[i].Sha256))
            {
                failures.Add($"Auth:ApiKeys:{i}:Sha256 is the hash of an earlier entry: one key must name one caller.");
            }
        }
        return failures;
    }

    private static List<string> Jwt(JwtSettings jwt)
    {
        List<string> failures = [];
        if (string.IsNullOrWhiteSpace(jwt.Audience))
        {
            failures.Add("Auth:Jwt:Audience must be set: without it a token minted for any other service would be accepted.");
        }
        if (string.IsNullOrWhiteSpace(jwt.CallerClaim))
        {
            failures.Add("Auth:Jwt:CallerClaim must name the claim that names the caller, e.g. sub.");
        }
        switch (jwt.Authority, jwt.JwksPath)
        {
            case (null or "", null or ""):
                failures.Add("Auth:Mode=Jwt needs Auth:Jwt:Authority (the issuer's URL) or Auth:Jwt:JwksPath (a JWKS file).");
                break;
            case ({ Length: > 0 }, { Length: > 0 }):
                failures.Add("Auth:Jwt:Authority and Auth:Jwt:JwksPath are both set; set one, so there is one source of keys.");
                break;
            case ({ Length: > 0 } authority, _):
                if (!Uri.TryCreate(authority, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
                {
                    failures.Add("Auth:Jwt:Authority must be an absolute https:// URL.");
                }
                else if (uri.Scheme == Uri.UriSchemeHttp && jwt.RequireHttpsMetadata)
                {
                    failures.Add("Auth:Jwt:Authority is http://; keys fetched in clear could be replaced on the way. Use https, or set Auth:Jwt:RequireHttpsMetadata=false for an issuer on loopback.");
                }
                break;
            case (_, { Length: > 0 } path):
                if (string.IsNullOrWhiteSpace(jwt.Issuer))
                {
                    failures.Add("Auth:Jwt:Issuer must be set with Auth:Jwt:JwksPath: there is no authority to learn it from.");
                }
                if (JwksFile.Problem(path) is { } problem)
                {
                    failures.Add($"Auth:Jwt:JwksPath {problem}");
                }
                break;
        }
        if (jwt.ClockSkew < TimeSpan.Zero || jwt.ClockSkew > TimeSpan.FromMinutes(5))
        {
            failures.Add("Auth:Jwt:ClockSkew must be between 00:00:00 and 00:05:00.");
        }
        return failures;
    }

    private static List<string> Mesh(MeshSettings mesh, bool hasClientCa)
    {
        List<string> failures = [];
        if (mesh.TrustedProxies.Count == 0 && !hasClientCa)
        {
            failures.Add("Auth:Mode=Mesh needs Auth:Mesh:TrustedProxies (the sidecars that assert callers) or Tls:ClientCaPath (client certificates on this port).");
        }
        for (var i = 0; i < mesh.TrustedProxies.Count; i++)
        {
            if (!IPNetwork.TryParse(mesh.TrustedProxies[i], out var network) && !IPAddress.TryParse(mesh.TrustedProxies[i], out _))
            {
                failures.Add($"Auth:Mesh:TrustedProxies:{i} must be an IP address or a CIDR range such as 10.0.0.0/8.");
            }
            else if (network.PrefixLength == 0 && mesh.TrustedProxies[i].Contains('/', StringComparison.Ordinal))
            {
                failures.Add($"Auth:Mesh:TrustedProxies:{i} trusts every address, so anyone could name any caller; list the sidecars' addresses.");
            }
        }
        if (string.IsNullOrWhiteSpace(mesh.Header))
        {
            failures.Add("Auth:Mesh:Header must name the header the sidecar sets, e.g. x-forwarded-client-cert.");
        }
        return failures;
    }
}
