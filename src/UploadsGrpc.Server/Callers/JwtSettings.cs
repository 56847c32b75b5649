namespace UploadsGrpc.Server.Callers;

/// <summary><c>Auth:Jwt</c>: which bearer JWTs are accepted, and which claim names the caller.</summary>
public sealed class JwtSettings
{
    /// <summary>The issuer's base URL; its keys are found through <c>/.well-known/openid-configuration</c>, and refreshed.</summary>
    public string? Authority { get; set; }

    /// <summary>A JWKS file (<c>{"keys": [...]}</c>) to use instead of an authority, read at start.</summary>
    public string? JwksPath { get; set; }

    /// <summary>The required <c>iss</c>; defaults to the authority's issuer when an authority is set.</summary>
    public string? Issuer { get; set; }

    /// <summary>The required <c>aud</c>. Required: a token minted for another service must not work here.</summary>
    public string? Audience { get; set; }

    /// <summary>The claim whose value is the caller's name.</summary>
    public string CallerClaim { get; set; } = "sub";

    /// <summary>Whether the authority must be https; false only for an issuer on loopback or inside the pod.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>How far a token's exp and nbf may be off the server's clock.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);
}
