namespace UploadsGrpc.Emulator.Hosting;

/// <summary>
/// Counts the /v1 requests the emulator received, by route, so tests can prove a client sent nothing upstream
/// (a refused stream must not even create an upload).
/// </summary>
public sealed class RequestCounter
{
    private long _total;

    public long Total => Interlocked.Read(ref _total);

    public void Count() => Interlocked.Increment(ref _total);
}
