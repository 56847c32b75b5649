using UploadsGrpc.Server.Upstream;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Uploads.UploadFile;

/// <summary>
/// Sends the parts of one UploadFile stream, up to the plan's parallelism at once, each with retries. The first
/// part to fail for good cancels the rest and the reading of the stream (<see cref="Cancellation"/>); the session
/// then reports that failure. Buffers go back to the pool as soon as their part is done.
/// </summary>
internal sealed class PartUploader(
    OpenAiUploadsClient upstream,
    int partRetries,
    PartBufferPool pool,
    UploadFilePlan plan,
    string uploadId,
    CallBudget call,
    ProgressReporter progress) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(call.Cancellation);
    private readonly SemaphoreSlim _slots = new(plan.Parallelism);
    private readonly List<Task> _running = [];
    private readonly SortedDictionary<int, string> _partIds = [];
    private int _nextIndex = plan.Committed.Count;
    private Exception? _failure;
    private bool _disposed;

    /// <summary>Fires when the call ends or a part fails for good.</summary>
    public CancellationToken Cancellation => _stop.Token;

    /// <summary>The failure of the first part that failed for good.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>Waits for a free slot; the caller then fills one part and hands it to <see cref="Start"/>.</summary>
    public Task WaitForSlotAsync() => _slots.WaitAsync(_stop.Token);

    /// <summary>Sends the first <paramref name="length"/> bytes of <paramref name="buffer"/> in the slot taken by <see cref="WaitForSlotAsync"/>, taking the buffer over.</summary>
    public void Start(byte[] buffer, int length, long offset)
    {
        var index = _nextIndex++;
        _running.Add(Task.Run(() => SendOneAsync(buffer, length, index, offset)));
    }

    /// <summary>Waits for every part and returns the new part ids in file order.</summary>
    public async Task<IReadOnlyCollection<string>> FinishAsync()
    {
        await Task.WhenAll(_running);
        _stop.Token.ThrowIfCancellationRequested();
        lock (_partIds)
        {
            return [.. _partIds.Values];
        }
    }

    private async Task SendOneAsync(byte[] buffer, int length, int index, long offset)
    {
        try
        {
            // Retried inside (Streaming:PartAttempts): a part is always safe to send again.
            var part = await upstream.AddUploadPartAsync(uploadId, buffer.AsMemory(0, length), call with { Cancellation = _stop.Token }, partRetries);
            lock (_partIds)
            {
                _partIds[index] = part.Id;
            }
            progress.Committed(new CommittedPart { PartId = part.Id, Index = index, Offset = offset, Length = length });
        }
        catch (Exception ex)
        {
            if (!_stop.IsCancellationRequested)
            {
                Interlocked.CompareExchange(ref _failure, ex, null);
            }
            await _stop.CancelAsync();
        }
        finally
        {
            pool.Return(buffer);
            _slots.Release();
        }
    }

    /// <summary>Stops what is still running and waits for it, so no part reaches the upstream after a cancel.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        await _stop.CancelAsync();
        await Task.WhenAll(_running);
        _stop.Dispose();
        _slots.Dispose();
    }
}
