using Microsoft.AspNetCore.Http.Features;
using UploadsGrpc.Server.Telemetry;

namespace UploadsGrpc.Server.Limits;

/// <summary>
/// Puts a <see cref="FrameCheckingReader"/> between Kestrel and grpc-dotnet for every gRPC request, so a message
/// larger than its method allows, a malformed frame, or one the memory budget cannot hold ends the call with a
/// precise status before grpc-dotnet buffers it. The call's reservations end with the call.
/// </summary>
internal sealed class RequestFrameGuard(RequestDelegate next, FrameLimits limits, MemoryBudget budget, SegmentPool segments, ILogger<RequestFrameGuard> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!GrpcRequests.Is(request))
        {
            await next(context);
            return;
        }
        var method = request.Path.Value ?? "";
        var encoding = request.Headers["grpc-encoding"].ToString();
        using var frames = new RequestFrames(method, limits.For(method), encoding.Length > 0 && encoding != "identity", budget, logger, context.RequestAborted);
        var original = context.Features.Get<IRequestBodyPipeFeature>();
        if (original is null)
        {
            await next(context);
            return;
        }
        var reader = new FrameCheckingReader(original.Reader, frames, segments);
        context.Features.Set<IRequestBodyPipeFeature>(new CheckedRequestBody(reader));
        context.Features.Set(frames);
        try
        {
            await next(context);
        }
        finally
        {
            reader.Release();
        }
    }
}
