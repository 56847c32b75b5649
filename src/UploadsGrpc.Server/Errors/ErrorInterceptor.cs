using Grpc.Core;
using Grpc.Core.Interceptors;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Errors;

/// <summary>
/// Wraps every RPC, of every shape: failures go through the one <see cref="ErrorMapper"/>, and the upstream's
/// <c>x-request-id</c> goes back as trailing metadata whether the call succeeded or not.
/// </summary>
internal sealed class ErrorInterceptor(ErrorMapper mapper) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        Guard(context, () => continuation(request, context));

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        Guard(context, () => continuation(requestStream, context));

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        Guard(context, async () => { await continuation(request, responseStream, context); return true; });

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        Guard(context, async () => { await continuation(requestStream, responseStream, context); return true; });

    private async Task<T> Guard<T>(ServerCallContext context, Func<Task<T>> call)
    {
        var callInfo = context.GetHttpContext().RequestServices.GetRequiredService<UpstreamCallInfo>();
        try
        {
            var result = await call();
            if (callInfo.RequestId is { } requestId)
            {
                context.ResponseTrailers.Add(TrailerNames.RequestId, requestId);
            }
            return result;
        }
        catch (Exception ex)
        {
            throw mapper.Map(ex, context, callInfo.RequestId);
        }
    }
}
