using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Uploads.UploadFile;

/// <summary>
/// Coalesces an UploadFile stream's progress: one message per committed part, and otherwise at most one per
/// interval as bytes arrive. Posting only queues, so reporting never slows the reading of the client's data.
/// </summary>
internal sealed class ProgressReporter(ResponsePump<UploadFileResponse> pump, TimeProvider clock, TimeSpan interval, long start)
{
    private readonly Lock _lock = new();
    private long _received = start;
    private long _committed = start;
    private long _lastPosted = clock.GetTimestamp();

    public void Received(long received)
    {
        lock (_lock)
        {
            _received = received;
            if (clock.GetElapsedTime(_lastPosted) >= interval)
            {
                PostLocked();
            }
        }
    }

    public void Committed(CommittedPart part)
    {
        lock (_lock)
        {
            _committed += part.Length;
            pump.Post(new UploadFileResponse { PartCommitted = part });
            PostLocked();
        }
    }

    private void PostLocked()
    {
        _lastPosted = clock.GetTimestamp();
        pump.Post(new UploadFileResponse { Progress = new UploadProgress { BytesReceived = _received, BytesCommitted = _committed } });
    }
}
