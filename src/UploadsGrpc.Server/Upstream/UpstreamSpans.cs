using System.Diagnostics;
using UploadsGrpc.Server.Telemetry;

namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// The HttpClient instrumentation's span of each upstream attempt, completed with what only this service knows:
/// the route template (the span's name, <c>POST /uploads/{upload_id}/cancel</c>, never the path with its id), how
/// many times the request was sent before, and the upstream's request id. Only the upstream client's requests
/// made within a call are traced: the idle-time health probe would otherwise start a trace of its own every time.
/// </summary>
internal static class UpstreamSpans
{
    /// <summary>
    /// Whether the attempt's span is kept: it is one of the upstream client's and has a call's span above it. The
    /// instrumentation asks with the attempt's own span already current, so that span's parent is what counts.
    /// </summary>
    public static bool ShouldTrace(HttpRequestMessage request) =>
        UpstreamAttempt.Of(request) is not null
        && Activity.Current is { } current
        && (current.Kind != ActivityKind.Client || current.Parent is not null || current.HasRemoteParent);

    public static void OnRequest(Activity span, HttpRequestMessage request)
    {
        if (UpstreamAttempt.Of(request) is not { } attempt)
        {
            return;
        }
        span.DisplayName = $"{attempt.Route.Method.Method} {attempt.Route.Template}";
        span.SetTag(TelemetryAttributes.UrlTemplate, attempt.Route.Template);
        if (attempt.ResendCount > 0)
        {
            span.SetTag(TelemetryAttributes.HttpResendCount, attempt.ResendCount);
        }
    }

    /// <summary>The request id, checked as everywhere else: never one that quotes the key the request carried.</summary>
    public static void OnResponse(Activity span, HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("x-request-id", out var ids)
            && UpstreamRequestId.Accept(ids.FirstOrDefault(), response.RequestMessage?.Headers.Authorization?.Parameter) is { } id)
        {
            span.SetTag(TelemetryAttributes.UpstreamRequestId, id);
        }
    }
}
