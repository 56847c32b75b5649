namespace UploadsGrpc.Emulator.Hosting;

/// <summary>
/// The emulator's time: an injected <see cref="TimeProvider"/> plus the offset that
/// <c>POST /_admin/clock/advance</c> adds, so a test can pass an upload's hour without waiting for it.
/// </summary>
public sealed class EmulatorClock(TimeProvider inner)
{
    private long _offsetTicks;

    public DateTimeOffset UtcNow => inner.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public long UnixSeconds => UtcNow.ToUnixTimeSeconds();

    public DateTimeOffset Advance(TimeSpan by)
    {
        Interlocked.Add(ref _offsetTicks, by.Ticks);
        return UtcNow;
    }
}
