using System.Collections.Immutable;
using System.Globalization;
using Google.Rpc;
using Microsoft.AspNetCore.Http.Features;

namespace UploadsGrpc.Server.Telemetry;

/// <summary>
/// How a gRPC call ended, read from what the server sent: <c>grpc-status</c> in the trailers, or in the headers
/// of a trailers-only response (a refusal before any message), and the ErrorInfo reason in
/// <c>grpc-status-details-bin</c>. Read from the response rather than from an exception, because a call can end
/// in the middleware, in an interceptor or in the service, and only the response knows them all.
/// </summary>
internal readonly record struct GrpcOutcome(int StatusCode, string? Message, string? Reason)
{
    /// <summary>
    /// The outcome of a finished call. A call that sent no status ended by its client's leaving (CANCELLED) or by
    /// a plain HTTP refusal, read as the gRPC specification maps HTTP statuses.
    /// </summary>
    public static GrpcOutcome Read(HttpContext context)
    {
        var trailers = context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers;
        var headers = context.Response.Headers;
        var status = First(trailers, headers, "grpc-status");
        if (status is null || !int.TryParse(status, NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            return new GrpcOutcome(context.RequestAborted.IsCancellationRequested ? 1 : FromHttp(context.Response.StatusCode), null, null);
        }
        if (code == 0)
        {
            return new GrpcOutcome(0, null, null);
        }
        var message = First(trailers, headers, "grpc-message") is { } encoded ? Uri.UnescapeDataString(encoded) : null;
        return new GrpcOutcome(code, message, ReasonOf(First(trailers, headers, "grpc-status-details-bin")));
    }

    /// <summary>
    /// The status names of the conventions' error statuses: a server span ends in error only for the statuses
    /// that are the server's fault (UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS).
    /// </summary>
    public bool IsServerError => StatusCode is 2 or 4 or 12 or 13 or 14 or 15;

    /// <summary>The status's name as clients and the conventions spell it (NOT_FOUND); the number for a code gRPC does not name.</summary>
    public string StatusName => StatusCode is >= 0 and < 17 ? Names[StatusCode] : StatusCode.ToString(CultureInfo.InvariantCulture);

    private static readonly ImmutableArray<string> Names =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
        "UNAUTHENTICATED",
    ];

    private static string? First(IHeaderDictionary? trailers, IHeaderDictionary headers, string name) =>
        trailers is not null && trailers.TryGetValue(name, out var fromTrailers) && fromTrailers.Count > 0 ? fromTrailers[0]
        : headers.TryGetValue(name, out var fromHeaders) && fromHeaders.Count > 0 ? fromHeaders[0]
        : null;

    /// <summary>The gRPC specification's mapping of an HTTP status sent without a gRPC status.</summary>
    private static int FromHttp(int http) => http switch
    {
        400 => 13,
        401 => 16,
        403 => 7,
        404 => 12,
        429 or 502 or 503 or 504 => 14,
        _ => 2,
    };

    private static string? ReasonOf(string? details)
    {
        if (details is null)
        {
            return null;
        }
        try
        {
            var padded = details.PadRight(details.Length + ((4 - (details.Length % 4)) % 4), '=');
            var status = Google.Rpc.Status.Parser.ParseFrom(Convert.FromBase64String(padded));
            return status.GetDetail<ErrorInfo>()?.Reason;
        }
        catch (Exception failure) when (failure is FormatException or Google.Protobuf.InvalidProtocolBufferException)
        {
            return null;
        }
    }
}
