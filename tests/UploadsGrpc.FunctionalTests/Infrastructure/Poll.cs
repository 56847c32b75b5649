namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>Waits for a condition with a generous bound, so a slow machine does not fail a correct test.</summary>
public static class Poll
{
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Condition not met within {timeout}.");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>The same, for a condition that asks over the network (e.g. the emulator's admin routes).</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Condition not met within {timeout}.");
            }
            await Task.Delay(50);
        }
    }
}
