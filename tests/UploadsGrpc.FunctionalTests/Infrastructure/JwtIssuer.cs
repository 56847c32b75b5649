using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>
/// An issuer of test JWTs: an RSA key of its own, its public half as a JWKS, and tokens minted with
/// IdentityModel's own handler, valid unless a test changes the one thing it is about.
/// </summary>
public sealed class JwtIssuer(string issuer, string keyId = "test-key") : IDisposable
{
    private readonly RSA _rsa = RSA.Create(2048);

    public string Issuer { get; } = issuer;

    public string KeyId { get; } = keyId;

    /// <summary>The JWKS of the public key only: <c>{"keys": [{"kty": "RSA", ...}]}</c>.</summary>
    public string Jwks()
    {
        using var publicOnly = RSA.Create();
        publicOnly.ImportParameters(_rsa.ExportParameters(includePrivateParameters: false));
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(publicOnly) { KeyId = KeyId });
        return JsonSerializer.Serialize(new
        {
            keys = new[] { new { kty = jwk.Kty, use = "sig", alg = SecurityAlgorithms.RsaSha256, kid = jwk.Kid, n = jwk.N, e = jwk.E } },
        });
    }

    /// <summary>Writes <see cref="Jwks"/> to a new file in <paramref name="directory"/> and returns its path.</summary>
    public string WriteJwks(string directory)
    {
        var path = Path.Combine(directory, $"jwks-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, Jwks());
        return path;
    }

    /// <summary>A token for <paramref name="audience"/>, valid for ten minutes, with these claims (sub, usually).</summary>
    public string Mint(string audience, IDictionary<string, object> claims, Action<SecurityTokenDescriptor>? change = null) =>
        Mint(audience, claims, new SigningCredentials(new RsaSecurityKey(_rsa) { KeyId = KeyId }, SecurityAlgorithms.RsaSha256), change);

    /// <summary>A token like <see cref="Mint(string, IDictionary{string, object}, Action{SecurityTokenDescriptor}?)"/>, signed with other credentials.</summary>
    public string Mint(string audience, IDictionary<string, object> claims, SigningCredentials credentials, Action<SecurityTokenDescriptor>? change = null)
    {
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = now.AddMinutes(-1),
            NotBefore = now.AddMinutes(-1),
            Expires = now.AddMinutes(10),
            SigningCredentials = credentials,
        };
        change?.Invoke(descriptor);
        // Only the times set here: the handler's defaults would give a token whose test cleared exp an hour's.
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    /// <summary>An unsecured JWT (RFC 7519 section 6): header <c>{"alg":"none"}</c>, valid claims, and an empty signature.</summary>
    public string MintUnsigned(string audience, string subject)
    {
        var now = DateTimeOffset.UtcNow;
        var header = """{"alg":"none","typ":"JWT"}""";
        var payload = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["aud"] = audience,
            ["sub"] = subject,
            ["iat"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
            ["nbf"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
            ["exp"] = now.AddMinutes(10).ToUnixTimeSeconds(),
        });
        return $"{Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(header))}.{Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(payload))}.";
    }

    public void Dispose() => _rsa.Dispose();
}
