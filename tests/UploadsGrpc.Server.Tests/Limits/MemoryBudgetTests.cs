using UploadsGrpc.Server.Limits;

namespace UploadsGrpc.Server.Tests.Limits;

/// <summary>The shared memory budget: its default from the memory the process may use, and its reservations.</summary>
public sealed class MemoryBudgetTests
{
    private const long MiB = 1024 * 1024;

    [Theory]
    [InlineData(768 * MiB, 192 * MiB)]
    [InlineData(1024 * MiB, 256 * MiB)]
    [InlineData(400 * MiB, 128 * MiB)]
    [InlineData(200 * MiB, 100 * MiB)]
    [InlineData(24 * 1024 * MiB, 4096 * MiB)]
    public void The_default_is_a_quarter_of_the_memory_between_128_MiB_or_half_and_4_GiB(long available, long expected) =>
        Assert.Equal(expected, MemoryBudget.DefaultBytes(available));

    [Fact]
    public async Task A_reservation_waits_for_memory_then_gives_up_and_one_larger_than_the_budget_at_once()
    {
        using var budget = new MemoryBudget(4 * MiB, TimeSpan.FromMilliseconds(100), TimeProvider.System);
        using var held = await budget.TryReserveAsync(3 * MiB, CancellationToken.None);
        Assert.NotNull(held);
        Assert.Equal(3 * MiB, budget.InUse);

        Assert.Null(await budget.TryReserveAsync(2 * MiB, CancellationToken.None));
        var started = System.Diagnostics.Stopwatch.StartNew();
        Assert.Null(await budget.TryReserveAsync(5 * MiB, CancellationToken.None));
        Assert.True(started.Elapsed < TimeSpan.FromMilliseconds(90), "a reservation that can never fit does not wait");

        held!.Dispose();
        using var after = await budget.TryReserveAsync(4 * MiB, CancellationToken.None);
        Assert.NotNull(after);
        Assert.Equal(2, budget.Reservations);
    }
}
