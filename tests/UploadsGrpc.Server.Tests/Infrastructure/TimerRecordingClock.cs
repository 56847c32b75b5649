using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace UploadsGrpc.Server.Tests.Infrastructure;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that tells the test each timer started and how far off it is due, so a test
/// can advance the clock by exactly each wait after the code under test has begun it (no sleeps, no race).
/// </summary>
internal sealed class TimerRecordingClock : FakeTimeProvider
{
    private readonly Channel<TimeSpan> _started = Channel.CreateUnbounded<TimeSpan>();

    public ChannelReader<TimeSpan> Started => _started.Reader;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        // A timer created stopped (Infinite) is not a wait yet.
        if (dueTime >= TimeSpan.Zero)
        {
            _started.Writer.TryWrite(dueTime);
        }
        return timer;
    }

    /// <summary>
    /// Waits for <paramref name="work"/>, advancing the clock by each timer's due time as it starts; returns those
    /// waits. Bounded by <paramref name="realTimeout"/> of real time.
    /// </summary>
    public async Task<List<TimeSpan>> RunAsync(Task work, TimeSpan realTimeout)
    {
        var waits = new List<TimeSpan>();
        using var stop = new CancellationTokenSource(realTimeout);
        var next = Started.ReadAsync(stop.Token).AsTask();
        while (true)
        {
            if (await Task.WhenAny(work, next) == work)
            {
                return waits;
            }
            var due = await next;
            waits.Add(due);
            Advance(due);
            next = Started.ReadAsync(stop.Token).AsTask();
        }
    }
}
