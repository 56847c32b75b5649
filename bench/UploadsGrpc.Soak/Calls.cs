using Grpc.Core;

namespace UploadsGrpc.Soak;

/// <summary>Makes one call with its deadline and counts it: <c>call RPC</c>, and <c>error RPC STATUS</c> when it fails.</summary>
internal sealed class Calls(Tally tally, CancellationToken hard)
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>A clean-up call's deadline: ten of them must fit in the time a run is given to end.</summary>
    private static readonly TimeSpan CleanupDeadline = TimeSpan.FromSeconds(5);

    /// <summary>The response, or null when the call failed (counted) or the run's hard stop cancelled it (not an error).</summary>
    public async Task<T?> UnaryAsync<T>(string rpc, Func<CallOptions, AsyncUnaryCall<T>> call)
        where T : class
    {
        tally.Add($"call {rpc}");
        try
        {
            using var pending = call(new CallOptions(deadline: DateTime.UtcNow + Deadline, cancellationToken: hard));
            return await pending.ResponseAsync;
        }
        catch (RpcException) when (hard.IsCancellationRequested)
        {
            tally.Add($"cut {rpc}");
            return null;
        }
        catch (RpcException error)
        {
            Failed(rpc, error);
            return null;
        }
    }

    public void Count(string rpc) => tally.Add($"call {rpc}");

    public void Cut(string rpc) => tally.Add($"cut {rpc}");

    /// <summary>A call that succeeded with a wrong answer: counted apart from the errors, and it fails the run.</summary>
    public void Mismatch(string rpc, string what)
    {
        tally.Add($"mismatch {rpc}");
        tally.Sample($"{rpc}: wrong answer: {what}");
    }

    public void Failed(string rpc, RpcException error)
    {
        tally.Add($"error {rpc} {Tally.Name(error.StatusCode)}");
        tally.Add($"status {Tally.Name(error.StatusCode)}");
        tally.Sample($"{rpc}: {Tally.Describe(error)}: {error.Status.Detail}");
    }

    /// <summary>
    /// Cancels an upload the run created and gives up on, trying again until it is no longer pending: a caller's
    /// clean-up, which must leave nothing pending upstream. NOT_FOUND, INVALID_ARGUMENT and FAILED_PRECONDITION
    /// (not pending any more) count as done.
    /// </summary>
    public Task<bool> CancelUploadAsync(UploadsGrpc.V1.UploadService.UploadServiceClient client, string uploadId) =>
        CleanUpAsync("CancelUpload", "cancel", $"{uploadId} could not be cancelled",
            async deadline =>
            {
                using var pending = client.CancelUploadAsync(new V1.CancelUploadRequest { UploadId = uploadId }, deadline: deadline);
                await pending.ResponseAsync;
            },
            (error, _) => error.StatusCode is StatusCode.NotFound or StatusCode.InvalidArgument or StatusCode.FailedPrecondition,
            countRetries: true);

    /// <summary>Deletes a file the run created, trying again on failure; NOT_FOUND (a delete that took effect before) counts as done.</summary>
    public Task<bool> DeleteFileAsync(UploadsGrpc.V1.FileService.FileServiceClient client, string fileId) =>
        CleanUpAsync("DeleteFile", "delete", $"file {fileId} could not be deleted",
            async deadline =>
            {
                using var pending = client.DeleteFileAsync(new V1.DeleteFileRequest { FileId = fileId }, deadline: deadline);
                await pending.ResponseAsync;
            },
            (error, attempt) => error.StatusCode == StatusCode.NotFound && attempt > 0,
            countRetries: false);

    /// <summary>One clean-up call, at most 10 attempts with a growing pause; an error <paramref name="done"/> accepts ends it as done.</summary>
    private async Task<bool> CleanUpAsync(string rpc, string kind, string failure, Func<DateTime, Task> call,
        Func<RpcException, int, bool> done, bool countRetries)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            tally.Add($"call {rpc}");
            try
            {
                await call(DateTime.UtcNow + CleanupDeadline);
                return true;
            }
            catch (RpcException error) when (done(error, attempt))
            {
                return true;
            }
            catch (RpcException error)
            {
                Failed(rpc, error);
                if (countRetries)
                {
                    tally.Add($"cleanup {kind}_retries");
                }
                await Task.Delay(TimeSpan.FromMilliseconds(250 * (attempt + 1)), CancellationToken.None);
            }
        }
        tally.Add($"cleanup {kind}_failed");
        tally.Sample($"clean-up: {failure} in 10 attempts");
        return false;
    }
}
