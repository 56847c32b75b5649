namespace UploadsGrpc.Server.Callers;

/// <summary>How callers prove who they are (<c>Auth:Mode</c>).</summary>
public enum AuthMode
{
    /// <summary>Nobody proves anything: every call is the caller <c>anonymous</c>, with the default policy.</summary>
    None,

    /// <summary><c>authorization: Bearer</c> tokens whose SHA-256 is listed in <c>Auth:ApiKeys</c>.</summary>
    ApiKeys,

    /// <summary>Bearer JWTs from a configured issuer, checked against its JWKS.</summary>
    Jwt,

    /// <summary>The identity a trusted sidecar asserts, or a client certificate on the gRPC port itself.</summary>
    Mesh,
}
