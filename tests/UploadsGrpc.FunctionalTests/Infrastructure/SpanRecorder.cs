using System.Diagnostics;
using OpenTelemetry;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>
/// Keeps every span as it ends, under a lock: the in-memory exporter's list is written by the exporting thread
/// while a test polls it.
/// </summary>
public sealed class SpanRecorder : BaseProcessor<Activity>
{
    private readonly List<Activity> _spans = [];
    private readonly Lock _lock = new();

    public override void OnEnd(Activity data)
    {
        lock (_lock)
        {
            _spans.Add(data);
        }
    }

    public List<Activity> Snapshot()
    {
        lock (_lock)
        {
            return [.. _spans];
        }
    }
}
