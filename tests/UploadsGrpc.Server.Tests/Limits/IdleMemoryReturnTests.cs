using Microsoft.Extensions.Time.Testing;
using UploadsGrpc.Server.Limits;
using UploadsGrpc.Server.Tests.Infrastructure;

namespace UploadsGrpc.Server.Tests.Limits;

/// <summary>When the server gives memory back: after 10 s idle, once more at 30 s, and never under load.</summary>
public sealed class IdleMemoryReturnTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly FakeTimeProvider _clock = new();
    private readonly MemoryBudget _budget;
    private readonly RecordingLogger<IdleMemoryReturn> _log = new();
    private readonly IdleMemoryReturn _return;
    private int _trims;

    public IdleMemoryReturnTests()
    {
        _budget = new MemoryBudget(64 * MiB, TimeSpan.FromSeconds(1), _clock);
        _return = new IdleMemoryReturn(_budget, _clock, _log);
        _return.Add(() =>
        {
            _trims++;
            return 2 * MiB;
        });
    }

    public void Dispose()
    {
        _return.Dispose();
        _budget.Dispose();
    }

    private int Returns => _log.Entries.Count(e => e.EventName == "IdleMemoryReturned");

    private void Wait(int seconds)
    {
        for (var i = 0; i < seconds / 2; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(2));
        }
    }

    private async Task UseAsync()
    {
        using var lease = await _budget.TryReserveAsync(MiB, CancellationToken.None);
        Assert.NotNull(lease);
        Wait(2);
    }

    [Fact]
    public async Task After_use_memory_goes_back_at_10_s_idle_and_once_more_at_30_s_then_never_until_the_next_use()
    {
        await _return.StartAsync(CancellationToken.None);
        Wait(60);
        Assert.Equal(0, Returns);

        await UseAsync();
        Wait(8);
        Assert.Equal(0, Returns);
        Wait(4);
        Assert.Equal(1, Returns);
        Assert.Equal(1, _trims);
        Assert.Equal(2L, _log.Entries.Single(e => e.EventName == "IdleMemoryReturned").Values["TrimmedMiB"]);

        Wait(16);
        Assert.Equal(1, Returns);
        Wait(4);
        Assert.Equal(2, Returns);
        var settled = _log.Entries.Last(e => e.EventName == "IdleMemoryReturned");
        Assert.True((double)settled.Values["IdleSeconds"]! >= 30, $"idle {settled.Values["IdleSeconds"]} s");
        Wait(120);
        Assert.Equal(2, Returns);

        await UseAsync();
        Wait(32);
        Assert.Equal(4, Returns);
        Assert.Equal(4, _trims);
    }

    [Fact]
    public async Task Nothing_is_returned_while_memory_is_reserved()
    {
        await _return.StartAsync(CancellationToken.None);
        using var lease = await _budget.TryReserveAsync(MiB, CancellationToken.None);
        Assert.NotNull(lease);

        Wait(120);

        Assert.Equal(0, Returns);
        Assert.Equal(0, _trims);
    }
}
