using System.Globalization;

namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// The <c>error.type</c> of a failed upstream attempt, from a small fixed set: the HTTP status the upstream
/// answered, else what kept an answer from coming (the <see cref="HttpRequestError"/> in snake case, a timeout,
/// an answer that was not the promised JSON). Never an exception's message, which may quote a path with an id.
/// </summary>
internal static class UpstreamErrorType
{
    /// <summary>An attempt that Upstream:RequestTimeout stopped, whichever exception says so.</summary>
    public const string Timeout = "timeout";

    public static string Of(Exception? failure) => failure switch
    {
        UpstreamException upstream => ((int)upstream.StatusCode).ToString(CultureInfo.InvariantCulture),
        UpstreamTimeoutException => Timeout,
        UpstreamProtocolException or UpstreamBodyTooLargeException => "invalid_response",
        HttpRequestException http => Snake(http.HttpRequestError),
        OperationCanceledException => "canceled",
        _ => "_OTHER",
    };

    /// <summary><see cref="HttpRequestError"/> as the HTTP conventions spell error.type (ConnectionError → connection_error).</summary>
    private static string Snake(HttpRequestError error) => error switch
    {
        HttpRequestError.NameResolutionError => "name_resolution_error",
        HttpRequestError.ConnectionError => "connection_error",
        HttpRequestError.SecureConnectionError => "secure_connection_error",
        HttpRequestError.HttpProtocolError => "http_protocol_error",
        HttpRequestError.ExtendedConnectNotSupported => "extended_connect_not_supported",
        HttpRequestError.VersionNegotiationError => "version_negotiation_error",
        HttpRequestError.UserAuthenticationError => "user_authentication_error",
        HttpRequestError.ProxyTunnelError => "proxy_tunnel_error",
        HttpRequestError.InvalidResponse => "invalid_response",
        HttpRequestError.ResponseEnded => "response_ended",
        HttpRequestError.ConfigurationLimitExceeded => "configuration_limit_exceeded",
        _ => "_OTHER",
    };
}
