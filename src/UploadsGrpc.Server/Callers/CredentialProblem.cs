using Microsoft.IdentityModel.Tokens;

namespace UploadsGrpc.Server.Callers;

/// <summary>
/// What was wrong with a refused credential, in words a caller can act on. The handlers' own messages are not
/// passed on: IdentityModel's quote internal codes, and none may quote a token.
/// </summary>
internal static class CredentialProblem
{
    public static string Describe(Exception failure) => failure switch
    {
        SecurityTokenExpiredException => "the token has expired.",
        SecurityTokenNotYetValidException => "the token is not valid yet (nbf).",
        SecurityTokenNoExpirationException => "the token has no expiry (exp).",
        SecurityTokenInvalidIssuerException => "the token's issuer (iss) is not the one accepted.",
        SecurityTokenInvalidAudienceException => "the token's audience (aud) is not this service.",
        SecurityTokenInvalidAlgorithmException => "the token's algorithm (alg) is not accepted; tokens must be signed with RS, PS or ES algorithms.",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "the token's signature does not verify against the issuer's keys.",
        SecurityTokenException => "the token is not a valid JWT.",
        ArgumentException => "the token is not a valid JWT.",
        _ when failure.Message.StartsWith("the ", StringComparison.Ordinal) => failure.Message,
        _ => "it is not valid.",
    };
}
