using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Uploads.UploadFile;

/// <summary>Refuses a Streaming section that could not work, at start rather than on the first upload.</summary>
internal sealed class StreamingOptionsValidation : IValidateOptions<StreamingOptions>
{
    public ValidateOptionsResult Validate(string? name, StreamingOptions options)
    {
        var failures = new List<string>();
        if (options.PartSize is < StreamingOptions.MinPartBytes or > UpstreamLimits.MaxPartBytes)
        {
            failures.Add($"Streaming:PartSize must be from {StreamingOptions.MinPartBytes} to {UpstreamLimits.MaxPartBytes} bytes.");
        }
        if (options.Parallelism is < 1 or > StreamingOptions.MaxParallelism)
        {
            failures.Add($"Streaming:Parallelism must be from 1 to {StreamingOptions.MaxParallelism}.");
        }
        if (options.MaxChunkBytes is < 64 * 1024 or > UpstreamLimits.MaxPartBytes)
        {
            failures.Add($"Streaming:MaxChunkBytes must be from 65536 to {UpstreamLimits.MaxPartBytes}.");
        }
        // One stream of one full part and its chunk, or one unary part, must fit; the limiter counts in int KiB.
        var least = (long)UpstreamLimits.MaxPartMessageBytes + options.MaxChunkMessageBytes;
        if (options.MemoryBudgetBytes != 0 && (options.MemoryBudgetBytes < least || options.MemoryBudgetBytes > 1024L * int.MaxValue))
        {
            failures.Add($"Streaming:MemoryBudgetBytes must be 0 (automatic) or from {least} (a full part and a chunk) to {1024L * int.MaxValue}.");
        }
        if (options.PartAttempts is < 4 or > 20)
        {
            failures.Add("Streaming:PartAttempts must be from 4 to 20.");
        }
        if (options.MemoryWait < TimeSpan.Zero || options.CancelTimeout <= TimeSpan.Zero)
        {
            failures.Add("Streaming:MemoryWait must not be negative, CancelTimeout positive.");
        }
        if (options.IdleTimeout <= TimeSpan.Zero || options.IdleTimeout > TimeSpan.FromHours(1))
        {
            failures.Add("Streaming:IdleTimeout must be more than 0 and at most 01:00:00.");
        }
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
