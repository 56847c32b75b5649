using System.Collections;
using System.Diagnostics;

namespace UploadsGrpc.Server.Telemetry;

/// <summary>
/// What telemetry learns of one gRPC call as it runs: its RPC, its caller once admitted, the upload and file it
/// concerns, the upstream's request id. A feature of the call's HttpContext, so the interceptors and the session
/// that learn these can set them; ids also go on the call's span as they are learnt. It is also the call's log
/// scope: every line logged during the call carries these fields, read when the line is written.
/// </summary>
internal sealed class CallTelemetry(RpcName rpc, IUpstreamRequestIdSource upstream, Activity? span) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public RpcName Rpc => rpc;

    /// <summary>The admitted caller's name; null before admission or for a call no caller policy covers.</summary>
    public string? Caller { get; private set; }

    public string? UploadId { get; private set; }

    public string? FileId { get; private set; }

    public string? UpstreamRequestId => upstream.RequestId;

    public int Count => 5;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("Rpc", rpc.SpanName),
        1 => new("Caller", Caller),
        2 => new("UploadId", UploadId),
        3 => new("FileId", FileId),
        4 => new("UpstreamRequestId", UpstreamRequestId),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public void SetCaller(string name)
    {
        Caller = name;
        span?.SetTag(TelemetryAttributes.Caller, name);
    }

    /// <summary>Sets the upload id; an empty one (a request that left it out) is ignored.</summary>
    public void SetUploadId(string? id)
    {
        if (!string.IsNullOrEmpty(id))
        {
            UploadId = id;
            span?.SetTag(TelemetryAttributes.UploadId, id);
        }
    }

    /// <summary>Sets the file id; an empty one is ignored.</summary>
    public void SetFileId(string? id)
    {
        if (!string.IsNullOrEmpty(id))
        {
            FileId = id;
            span?.SetTag(TelemetryAttributes.FileId, id);
        }
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The scope's text in plain-text logs.</summary>
    public override string ToString() => Caller is null ? rpc.SpanName : $"{rpc.SpanName} by {Caller}";

    /// <summary>The call's telemetry, when <paramref name="context"/> is a gRPC call the middleware saw.</summary>
    public static CallTelemetry? Of(HttpContext? context) => context?.Features.Get<CallTelemetry>();
}
