using System.Collections.Concurrent;
using System.Diagnostics;

namespace UploadsGrpc.Server.Telemetry;

/// <summary>
/// Each gRPC call's telemetry: its span named and labelled as the OpenTelemetry RPC conventions say, its status
/// and duration counted by RPC and gRPC status, its streams counted while open, and its log scope. Outermost in
/// the pipeline, so a call refused by a later middleware (draining, a frame guard, a limit) is counted too: the
/// framework's own <c>http.server.request.duration</c> records HTTP 200 for every gRPC call, whatever its status.
/// </summary>
internal sealed class CallTelemetryMiddleware(RequestDelegate next, UploadsGrpcMetrics metrics, TimeProvider clock, ILoggerFactory loggers)
{
    private readonly ILogger _scopes = loggers.CreateLogger("UploadsGrpc.Server.Calls");

    /// <summary>Each endpoint's RPC, worked out once: the endpoints are the contract's methods and a fallback, a bounded set.</summary>
    private readonly ConcurrentDictionary<Endpoint, RpcName> _names = new();

    public async Task InvokeAsync(HttpContext context)
    {
        if (!GrpcRequests.Is(context.Request))
        {
            await next(context);
            return;
        }
        var rpc = context.GetEndpoint() is { } endpoint ? _names.GetOrAdd(endpoint, RpcName.Of) : RpcName.Other;
        var span = Activity.Current;
        var call = new CallTelemetry(rpc, context.RequestServices.GetRequiredService<IUpstreamRequestIdSource>(), span);
        context.Features.Set(call);
        if (span is { IsAllDataRequested: true })
        {
            span.DisplayName = rpc.SpanName;
            span.SetTag(TelemetryAttributes.RpcSystem, TelemetryAttributes.Grpc);
            span.SetTag(TelemetryAttributes.RpcService, rpc.Service);
            span.SetTag(TelemetryAttributes.RpcMethod, rpc.Method);
        }
        if (rpc.Streaming)
        {
            metrics.StreamStarted(rpc);
        }
        var started = clock.GetTimestamp();
        try
        {
            using (_scopes.BeginScope(call))
            {
                await next(context);
            }
        }
        finally
        {
            if (rpc.Streaming)
            {
                metrics.StreamEnded(rpc);
            }
            var outcome = GrpcOutcome.Read(context);
            metrics.CallEnded(rpc, outcome.StatusCode, clock.GetElapsedTime(started));
            if (span is { IsAllDataRequested: true })
            {
                Describe(span, outcome, call);
            }
        }
    }

    /// <summary>The status, and for a failure its reason and, when the failure is the server's, the span's error status.</summary>
    private static void Describe(Activity span, GrpcOutcome outcome, CallTelemetry call)
    {
        span.SetTag(TelemetryAttributes.RpcGrpcStatusCode, outcome.StatusCode);
        if (call.UpstreamRequestId is { } requestId)
        {
            span.SetTag(TelemetryAttributes.UpstreamRequestId, requestId);
        }
        if (outcome.StatusCode == 0)
        {
            return;
        }
        span.SetTag(TelemetryAttributes.ErrorType, outcome.StatusName);
        if (outcome.Reason is { } reason)
        {
            span.SetTag(TelemetryAttributes.ErrorReason, reason);
        }
        if (outcome.IsServerError)
        {
            // The message clients get, which the error mapper has already cleared of secrets.
            span.SetStatus(ActivityStatusCode.Error, outcome.Message ?? outcome.StatusName);
        }
    }
}
