using System.Globalization;
using Google.Protobuf;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;
using UploadsGrpc.Server.Errors;

namespace UploadsGrpc.Server.Protocol;

/// <summary>
/// Gives an ErrorInfo to the statuses grpc-dotnet writes by itself, before or around the handler, where no
/// interceptor runs: an unknown service or method (UNIMPLEMENTED, reason UNKNOWN_METHOD), a compressed message of an
/// encoding the server does not support (UNIMPLEMENTED, UNSUPPORTED_ENCODING), a content type that is not gRPC,
/// HTTP/1.1 on an endpoint that allows it, and frame errors it finds while reading a unary request. It looks only at
/// the response once the endpoint is done, so it depends on the gRPC protocol (grpc-status in the headers or the
/// trailers) rather than on grpc-dotnet's internals; a status that already has details is left alone, and a response
/// with no grpc-status is not a gRPC response (a 404 for a path no endpoint serves) and is left alone too.
/// </summary>
internal sealed class StatusDetailsMiddleware(RequestDelegate next)
{
    internal const string StatusHeader = "grpc-status";
    internal const string MessageHeader = "grpc-message";
    internal const string DetailsHeader = "grpc-status-details-bin";

    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);

        var response = context.Response;
        // Trailers-only responses carry the status in the headers (writable while the response has not started);
        // others in the trailers, writable until the response completes after this middleware returns.
        var destination = response.HasStarted ? context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers : response.Headers;
        if (destination is null || destination.IsReadOnly
            || !int.TryParse(destination[StatusHeader], NumberStyles.None, CultureInfo.InvariantCulture, out var code)
            || code == (int)StatusCode.OK || destination.ContainsKey(DetailsHeader))
        {
            return;
        }
        var message = Uri.UnescapeDataString(destination[MessageHeader].ToString());
        var status = ProtocolErrors.Status((StatusCode)code, Reason(context, (StatusCode)code), message);
        try
        {
            destination[DetailsHeader] = Convert.ToBase64String(status.ToByteArray());
        }
        catch (InvalidOperationException)
        {
            // grpc-dotnet's deadline timer completed the response between the check above and this write: the
            // status went out without details, as it would have without this middleware.
        }
    }

    private static string Reason(HttpContext context, StatusCode code)
    {
        var boundMethod = context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is not null;
        return (code, context.Response.StatusCode) switch
        {
            (StatusCode.Unimplemented, _) when !boundMethod => FacadeReasons.UnknownMethod,
            // On a bound method, grpc-dotnet answers UNIMPLEMENTED by itself only for a compressed message whose
            // grpc-encoding has no provider; a handler's own UNIMPLEMENTED passes the error mapper and has details.
            (StatusCode.Unimplemented, _) => FacadeReasons.UnsupportedEncoding,
            (_, StatusCodes.Status415UnsupportedMediaType) => FacadeReasons.UnsupportedContentType,
            (_, StatusCodes.Status426UpgradeRequired) => FacadeReasons.Http2Required,
            _ => HttpStatusMapping.ToUpperSnake(code.ToString())!,
        };
    }
}
