using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Errors;
using UploadsGrpc.Server.Limits;

namespace UploadsGrpc.Server.Uploads.UploadFile;

/// <summary>
/// UploadFile's admission to the shared <see cref="MemoryBudget"/>. A stream reserves what it can hold at most (its
/// part buffers, and one chunk message) before it creates anything upstream, so a reserved stream never waits for
/// memory again and streams cannot starve each other half-way. The frame guard then reserves nothing more for the
/// stream's chunks (<see cref="RequestFrames.Cover"/>).
/// </summary>
internal sealed class StreamMemoryBudget(MemoryBudget memory, IOptions<StreamingOptions> options)
{
    /// <summary>The whole budget in bytes.</summary>
    public long Bytes => memory.Bytes;

    /// <summary>What a stream reserves for the chunk message it is reading, besides its part buffers.</summary>
    public int ChunkAllowance => options.Value.MaxChunkMessageBytes;

    /// <summary>
    /// The plan with its parallelism lowered until the stream's reservation fits the whole budget: a stream that
    /// asks for more than the server has would otherwise wait for memory that can never be free.
    /// </summary>
    public UploadFilePlan Fit(UploadFilePlan plan)
    {
        while (plan.Parallelism > 1 && plan.ReserveBytes + ChunkAllowance > memory.Bytes)
        {
            plan = plan with { Parallelism = plan.Parallelism - 1 };
        }
        return plan;
    }

    /// <summary>
    /// Reserves the plan's part buffers and one chunk, waiting up to Streaming:MemoryWait; a stream still without
    /// memory then ends RESOURCE_EXHAUSTED (STREAM_MEMORY_EXHAUSTED) with a RetryInfo.
    /// </summary>
    public async Task<RateLimitLease> ReserveAsync(UploadFilePlan plan, CancellationToken cancellation)
    {
        var bytes = plan.ReserveBytes + ChunkAllowance;
        return await memory.TryReserveAsync(bytes, cancellation) ?? throw FacadeException.MemoryExhausted(bytes, memory.Bytes, memory.Wait);
    }
}
