using Grpc.Core;
using UploadsGrpc.Server.Errors;

namespace UploadsGrpc.Server.Callers;

/// <summary>The failures of admission, each with a stable reason; all of them come before any upstream request.</summary>
internal static class CallerRefusals
{
    public static FacadeException MissingCredential(AuthMode mode) => new(
        StatusCode.Unauthenticated, FacadeReasons.CredentialMissing, mode switch
        {
            AuthMode.Mesh => "The call carries no caller identity: no client certificate, and no identity asserted by a trusted proxy.",
            _ => "The call carries no credential: send 'authorization: Bearer <token>'.",
        })
    {
        Metadata = [("mode", mode.ToString())],
    };

    public static FacadeException InvalidCredential(AuthMode mode, string problem) => new(
        StatusCode.Unauthenticated, FacadeReasons.CredentialInvalid, $"The call's credential was refused: {problem}")
    {
        Metadata = [("mode", mode.ToString())],
    };

    /// <summary>The authority's keys could not be fetched, so no token could be checked: the server's trouble, not the caller's.</summary>
    public static FacadeException IssuerUnavailable() => new(
        StatusCode.Unavailable, FacadeReasons.IssuerUnavailable,
        "The token could not be checked: the issuer's keys could not be fetched from Auth:Jwt:Authority. Retry later.",
        retryDelay: TimeSpan.FromSeconds(1))
    {
        Metadata = [("mode", nameof(AuthMode.Jwt))],
    };

    public static FacadeException GroupNotAllowed(Caller caller, string group, string method) => new(
        StatusCode.PermissionDenied, FacadeReasons.RpcNotAllowed,
        $"The caller {caller.Name} may not call {method}: it needs the group {group}.")
    {
        Metadata = [("caller", caller.Name), ("group", group)],
    };

    public static FacadeException PurposeNotAllowed(Caller caller, string field, string purpose) => new(
        StatusCode.PermissionDenied, FacadeReasons.PurposeNotAllowed,
        $"{field}: the caller {caller.Name} may not upload files for the purpose {purpose}; it may for: {string.Join(", ", caller.Purposes!.Order(StringComparer.Ordinal))}.",
        field)
    {
        Metadata = [("caller", caller.Name), ("purpose", purpose)],
    };

    public static FacadeException UploadTooLarge(Caller caller, string field, long bytes, long max) => new(
        StatusCode.PermissionDenied, FacadeReasons.UploadTooLarge,
        $"{field}: the caller {caller.Name} may upload at most {max} bytes at once; this upload has {bytes}.",
        field)
    {
        Metadata = [("caller", caller.Name), ("max_upload_bytes", max.ToString(System.Globalization.CultureInfo.InvariantCulture))],
    };

    public static FacadeException RateLimited(Caller caller, TimeSpan retryAfter) => new(
        StatusCode.ResourceExhausted, FacadeReasons.CallerRateLimited,
        $"The caller {caller.Name} is over its rate of {caller.RequestsPerSecond} calls a second; retry after the delay in RetryInfo.",
        retryDelay: retryAfter)
    {
        Metadata = [("caller", caller.Name)],
    };

    public static FacadeException TooManyStreams(Caller caller, TimeSpan retryAfter) => new(
        StatusCode.ResourceExhausted, FacadeReasons.CallerStreamsExhausted,
        $"The caller {caller.Name} already has {caller.MaxConcurrentStreams} calls running on this server, its limit; retry when one has ended.",
        retryDelay: retryAfter)
    {
        Metadata = [("caller", caller.Name)],
    };
}
