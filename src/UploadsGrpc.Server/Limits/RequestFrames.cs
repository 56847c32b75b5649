using System.Threading.RateLimiting;
using Grpc.Core;
using UploadsGrpc.Server.Telemetry;

namespace UploadsGrpc.Server.Limits;

/// <summary>
/// One call's request frames as the guard sees them: checks each frame's header before any of its bytes are
/// passed on, and holds the memory reserved for the frame being read until the next one starts or the call ends.
/// A call that reserved for its messages itself (UploadFile, at admission) says so with <see cref="Cover"/>.
/// </summary>
internal sealed class RequestFrames(string method, MethodFrameLimit limit, bool hasEncoding, MemoryBudget budget, ILogger logger, CancellationToken aborted) : IDisposable
{
    /// <summary>
    /// Frames this small are not reserved: Kestrel buffers up to its stream window (768 KiB) for every stream
    /// whether anything reads it or not, so counting them would bound nothing and cost every unary call a wait.
    /// </summary>
    public const int UncountedBytes = 64 * 1024;

    private RateLimitLease? _lease;

    /// <summary>
    /// The largest the message being read may be, once inflated: a compressed frame is checked at its compressed
    /// length here, and its decompression is stopped at this many bytes.
    /// </summary>
    public long CurrentMax { get; private set; } = limit.First;
    private long _covered;
    private int _index;

    /// <summary>
    /// From now on frames of up to <paramref name="bytes"/> need no reservation of their own: the caller's
    /// reservation holds them. Also ends the reservation of the frame read last, which the caller has parsed.
    /// </summary>
    public void Cover(long bytes)
    {
        Volatile.Write(ref _covered, bytes);
        Interlocked.Exchange(ref _lease, null)?.Dispose();
    }

    /// <summary>Checks a frame's header (flags and length) and reserves its bytes; throws the call's status when it may not pass.</summary>
    public async ValueTask StartAsync(byte flags, long length)
    {
        try
        {
            await CheckAsync(flags, length);
        }
        catch (RpcException refused)
        {
            var code = refused.StatusCode.ToString();
            ServerLog.RequestFrameRefused(logger, method, code, refused.Status.Detail);
            throw;
        }
    }

    private async ValueTask CheckAsync(byte flags, long length)
    {
        Interlocked.Exchange(ref _lease, null)?.Dispose();
        if (flags > 1)
        {
            throw LimitRefusals.UnknownFlags(flags);
        }
        if (flags == 1 && !hasEncoding)
        {
            throw LimitRefusals.CompressedWithoutEncoding();
        }
        var (max, what) = _index++ == 0 ? (limit.First, "its first message") : (limit.Later, limit.LaterWhat);
        if (length > max)
        {
            throw LimitRefusals.MessageTooLarge(method, length, max, what);
        }
        CurrentMax = max;
        // A compressed frame may inflate to the method's limit, so that is what it may come to hold.
        var holds = flags == 1 ? max : length;
        if (holds <= UncountedBytes || holds <= Volatile.Read(ref _covered))
        {
            return;
        }
        // Awaited before any byte of the frame is passed on: until then grpc-dotnet examines none of them, so
        // Kestrel opens no HTTP/2 window for more and the client holds them.
        var lease = await budget.TryReserveAsync(holds, aborted) ?? throw LimitRefusals.MemoryExhausted(holds, budget.Bytes, budget.Wait);
        Interlocked.Exchange(ref _lease, lease)?.Dispose();
    }

    public void Dispose() => Interlocked.Exchange(ref _lease, null)?.Dispose();
}
