namespace UploadsGrpc.Server.Tests.Infrastructure;

/// <summary>
/// Lets a test await a condition on state that other threads change, without polling or sleeping: every change
/// completes the current signal, and a waiter checks its condition again. Every wait is bounded by <see cref="Timeout"/>.
/// </summary>
internal sealed class ChangeSignal
{
    /// <summary>The longest any test waits for something to happen.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private TaskCompletionSource _next = NewSignal();

    /// <summary>Says that the watched state changed.</summary>
    public void Notify()
    {
        TaskCompletionSource done;
        lock (_lock)
        {
            done = _next;
            _next = NewSignal();
        }
        done.SetResult();
    }

    /// <summary>Returns once <paramref name="condition"/> holds; throws a TimeoutException naming <paramref name="what"/> after <see cref="Timeout"/>.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (true)
        {
            Task next;
            lock (_lock)
            {
                next = _next.Task;
            }
            if (condition())
            {
                return;
            }
            try
            {
                await next.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"Waited {Timeout.TotalSeconds} s for {what}.");
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
