using Grpc.Core;
using Grpc.Core.Interceptors;

namespace UploadsGrpc.Server.Telemetry;

/// <summary>
/// Puts the upload and file ids a call's messages name on its span and log scope (<see cref="CallIds"/>): an
/// interceptor, because only here are the messages at hand. The status and duration are the middleware's
/// (<see cref="CallTelemetryMiddleware"/>), which also sees calls refused before any interceptor runs.
/// </summary>
internal sealed class CallTelemetryInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var call = CallTelemetry.Of(context.GetHttpContext());
        if (call is null)
        {
            return await continuation(request, context);
        }
        CallIds.FromRequest(call, request);
        var response = await continuation(request, context);
        CallIds.FromResponse(call, response);
        return response;
    }

    /// <summary>CreateFile names its file in its answer.</summary>
    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var response = await continuation(requestStream, context);
        if (CallTelemetry.Of(context.GetHttpContext()) is { } call)
        {
            CallIds.FromResponse(call, response);
        }
        return response;
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (CallTelemetry.Of(context.GetHttpContext()) is { } call)
        {
            CallIds.FromRequest(call, request);
        }
        return continuation(request, responseStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        CallTelemetry.Of(context.GetHttpContext()) is { } call
            ? continuation(requestStream, new ObservedStreamWriter<TResponse>(responseStream, message => CallIds.FromResponse(call, message)), context)
            : continuation(requestStream, responseStream, context);
}
