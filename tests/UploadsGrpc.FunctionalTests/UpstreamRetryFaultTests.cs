using System.Text.RegularExpressions;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.V1;
using Xunit.Abstractions;

namespace UploadsGrpc.FunctionalTests;

/// <summary>
/// Unary calls against an emulator that answers a fifth of requests 429, 500 or 503 (at most twice in a row for a
/// request target), through a client that never retries. What may be sent again (GET, list and DELETE of files,
/// parts, a download's opening) succeeds every time, because the server retries; CreateUpload and CompleteUpload
/// are sent again only after a 429, never after a 500 or 503 that came after the upload was made or completed,
/// as the emulator's request log and state show.
/// </summary>
[Collection(ProcessTests.Name)]
public sealed partial class UpstreamRetryFaultTests(RetryingDeployment stack, ITestOutputHelper output)
    : IClassFixture<RetryingDeployment>, IAsyncLifetime
{
    /// <summary>Three rules of about 7.2 % each fail about 20 % of requests in all: 1 - (1 - 0.0717)^3 = 0.20.</summary>
    private const double Each = 0.0717;
    private const int CallsEach = 1000;
    private const int Workers = 16;

    /// <summary>At most three requests a call (for each upstream request it makes), so a batch's 750 fit the 1,000 the emulator's log keeps.</summary>
    private const int Batch = 250;

    private static readonly byte[] Content = TestData.Bytes(0, 4096);

    public async Task InitializeAsync() => await stack.Emulator.ClearFaultsAsync();

    public async Task DisposeAsync() => await stack.Emulator.ClearFaultsAsync();

    /// <param name="takesEffect">Whether a 500 or 503 comes after the request took effect (the 429 never does).</param>
    private static object Plan(string route, bool takesEffect) => new
    {
        seed = 16,
        rules = new object[]
        {
            new { route, probability = Each, status = 429, error_type = "requests", error_code = "rate_limit_exceeded", retry_after_ms = 5, max_consecutive = 2 },
            new { route, probability = Each, status = 500, max_consecutive = 2, takes_effect = takesEffect },
            new { route, probability = Each, status = 503, max_consecutive = 2, takes_effect = takesEffect },
        },
    };

    [Fact]
    public async Task A_thousand_GetFile_calls_all_succeed()
    {
        var files = await FilesAsync(Workers);
        await SafeRunAsync("get_file", "GetFile", r => r.Method == "GET" && r.Path == $"/v1/files/{FileIdOf(r.Path)}", async (worker, _) =>
        {
            var file = (await stack.Files.GetFileAsync(new GetFileRequest { FileId = files[worker] })).File;
            Assert.Equal(files[worker], file.Id);
            Assert.Equal(Content.Length, file.Bytes);
        });
    }

    [Fact]
    public async Task A_thousand_ListFiles_calls_all_succeed()
    {
        var files = await FilesAsync(Workers);
        // Each worker asks its own page size, so its query is its own request target.
        await SafeRunAsync("list_files", "ListFiles", r => r.Method == "GET" && r.Path == "/v1/files", async (worker, _) =>
        {
            var page = await stack.Files.ListFilesAsync(new ListFilesRequest { PageSize = worker + 1 });
            Assert.Equal(worker + 1, page.Files.Count);
        });
        Assert.Equal(Workers, files.Length);
    }

    [Fact]
    public async Task A_thousand_DeleteFile_calls_all_succeed()
    {
        var files = await FilesAsync(CallsEach);
        await SafeRunAsync("delete_file", "DeleteFile", r => r.Method == "DELETE" && r.Path == $"/v1/files/{FileIdOf(r.Path)}", async (_, i) =>
        {
            var deleted = await stack.Files.DeleteFileAsync(new DeleteFileRequest { FileId = files[i] });
            Assert.Equal(files[i], deleted.FileId);
            Assert.True(deleted.Deleted);
        });
        var left = await stack.Files.ListFilesAsync(new ListFilesRequest { PageSize = 10_000 });
        Assert.Empty(left.Files.Select(f => f.Id).Intersect(files));
    }

    [Fact]
    public async Task A_thousand_AddUploadPart_calls_all_succeed()
    {
        var uploads = await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => stack.CreateUploadAsync(1024 * 1024)));
        var parts = new string[CallsEach];
        await SafeRunAsync("add_part", "AddUploadPart", r => r.Method == "POST" && PartPath().IsMatch(r.Path), async (worker, i) =>
        {
            var part = (await stack.Uploads.AddUploadPartAsync(new AddUploadPartRequest { UploadId = uploads[worker], Data = ByteString.CopyFrom(Content, 0, 8) })).Part;
            Assert.Equal(uploads[worker], part.UploadId);
            parts[i] = part.Id;
        });
        // Every call's part is stored, and only the answered attempts stored one: the faults answered before the handler.
        var stored = 0;
        foreach (var upload in uploads)
        {
            stored += (await stack.Emulator.AdminUploadAsync(upload)).GetProperty("parts").GetArrayLength();
        }
        Assert.Equal(CallsEach, parts.Distinct().Count());
        Assert.Equal(CallsEach, stored);
    }

    [Fact]
    public async Task A_thousand_DownloadFile_calls_all_succeed()
    {
        var files = await FilesAsync(Workers);
        // A download asks for the file's object, then its content: both may meet a fault, both are retried.
        await SafeRunAsync("*", "GetFile|DownloadFile", r => r.Method == "GET" && (ContentPath().IsMatch(r.Path) || r.Path == $"/v1/files/{FileIdOf(r.Path)}"), async (worker, _) =>
        {
            using var call = stack.Files.DownloadFile(new DownloadFileRequest { FileId = files[worker] });
            using var bytes = new MemoryStream();
            FileObject? file = null;
            await foreach (var message in call.ResponseStream.ReadAllAsync())
            {
                if (message.PayloadCase == DownloadFileResponse.PayloadOneofCase.File)
                {
                    file = message.File;
                }
                else
                {
                    message.Chunk.WriteTo(bytes);
                }
            }
            Assert.Equal(files[worker], file?.Id);
            Assert.Equal(Content, bytes.ToArray());
        }, requestsPerCall: 2);
    }

    [Fact]
    public async Task CreateUpload_makes_one_upload_per_call_and_is_sent_again_only_after_a_429()
    {
        const int calls = 500;
        await stack.Emulator.SetFaultsAsync(Plan("create_upload", takesEffect: true));
        var before = await stack.UploadIdsAsync("pending");
        var retriesBefore = Retries("CreateUpload");
        var outcomes = new List<(StatusCode Code, RpcException? Error, string? Id)>();
        var requests = new List<LoggedRequest>();
        for (var first = 0; first < calls; first += Batch)
        {
            var mark = await stack.Emulator.RequestTotalAsync();
            // One at a time: the route has one request target, so only one caller's retries may meet its streak of faults.
            outcomes.AddRange(await RetryingDeployment.RunAsync(first, Batch, workers: 1, async (_, _) =>
            {
                string? id = null;
                var (code, error) = await RetryingDeployment.OutcomeAsync(async () => id = (await stack.Uploads.CreateUploadAsync(Calls.ValidCreate())).Upload.Id);
                return (code, error, id);
            }));
            requests.AddRange((await stack.RequestsSinceAsync(mark)).Since);
        }
        await stack.Emulator.ClearFaultsAsync();
        Summarize("CreateUpload", outcomes.Select(o => o.Code), requests);

        Assert.All(requests, r => Assert.Equal(("POST", "/v1/uploads"), (r.Method, r.Path)));
        AssertCallsInOrder(outcomes, requests);
        // The emulator's state: one upload for each call, also for those that failed (the 500 or 503 came after
        // the upload was made), and none more.
        var created = (await stack.UploadIdsAsync("pending")).Except(before).ToHashSet();
        Assert.Equal(calls, created.Count);
        var succeeded = outcomes.Where(o => o.Code == StatusCode.OK).Select(o => o.Id!).ToList();
        Assert.Equal(succeeded.Count, succeeded.Distinct().Count());
        Assert.Subset(created, succeeded.ToHashSet());
        // Only the 429s were retried.
        Assert.Equal(requests.Count(r => r.Status == 429), await RetriesSinceAsync("CreateUpload", retriesBefore, requests.Count(r => r.Status == 429)));
    }

    [Fact]
    public async Task CompleteUpload_is_sent_again_only_after_a_429_never_after_an_answer_that_may_mean_it_completed()
    {
        const int calls = 500;
        var pending = await RetryingDeployment.RunAsync(0, calls, Workers, async (_, _) =>
        {
            var upload = await stack.CreateUploadAsync(8);
            return (Upload: upload, Part: await stack.AddPartAsync(upload, Content[..8]));
        });
        await stack.Emulator.SetFaultsAsync(Plan("complete_upload", takesEffect: true));
        var retriesBefore = Retries("CompleteUpload");
        var outcomes = new List<(StatusCode Code, RpcException? Error, string? Id)>();
        var requests = new List<LoggedRequest>();
        for (var first = 0; first < calls; first += Batch)
        {
            var mark = await stack.Emulator.RequestTotalAsync();
            outcomes.AddRange(await RetryingDeployment.RunAsync(first, Batch, Workers, async (_, i) =>
            {
                var (upload, part) = pending[i];
                var (code, error) = await RetryingDeployment.OutcomeAsync(async () =>
                {
                    var completed = (await stack.Uploads.CompleteUploadAsync(new CompleteUploadRequest { UploadId = upload, PartIds = { part } })).Upload;
                    Assert.Equal(UploadStatus.Completed, completed.Status);
                });
                return (code, error, (string?)upload);
            }));
            requests.AddRange((await stack.RequestsSinceAsync(mark)).Since);
        }
        await stack.Emulator.ClearFaultsAsync();
        Summarize("CompleteUpload", outcomes.Select(o => o.Code), requests);

        Assert.All(requests, r => Assert.Matches(CompletePath(), r.Path));
        Assert.Equal(calls, requests.Select(r => r.Path).Distinct().Count());
        // Upload by upload, the log shows any 429s, then one answer that ended the call, and nothing after it.
        foreach (var outcome in outcomes)
        {
            AssertCallsInOrder([outcome], [.. requests.Where(r => r.Path == $"/v1/uploads/{outcome.Id}/complete")]);
        }
        // Each upload completed once: by the call that succeeded, or by the request whose answer was lost to the fault.
        Assert.Subset(await stack.UploadIdsAsync("completed"), pending.Select(p => p.Upload).ToHashSet());
        Assert.Equal(requests.Count(r => r.Status == 429), await RetriesSinceAsync("CompleteUpload", retriesBefore, requests.Count(r => r.Status == 429)));
    }

    /// <summary>
    /// Runs <see cref="CallsEach"/> calls of a retried RPC under the faults: every call succeeds, upstream each was
    /// answered once with success after at most two faults, and each fault was followed by one retry of the server's.
    /// </summary>
    private async Task SafeRunAsync(string route, string operation, Func<LoggedRequest, bool> isRoute, Func<int, int, Task> call, int requestsPerCall = 1)
    {
        await stack.Emulator.SetFaultsAsync(Plan(route, takesEffect: false));
        var retriesBefore = Retries(operation);
        var outcomes = new List<StatusCode>();
        var requests = new List<LoggedRequest>();
        var batch = Batch / requestsPerCall;
        for (var first = 0; first < CallsEach; first += batch)
        {
            var mark = await stack.Emulator.RequestTotalAsync();
            outcomes.AddRange(await RetryingDeployment.RunAsync(first, batch, Workers,
                async (worker, i) => (await RetryingDeployment.OutcomeAsync(() => call(worker, i))).Code));
            requests.AddRange((await stack.RequestsSinceAsync(mark)).Since);
        }
        await stack.Emulator.ClearFaultsAsync();
        Summarize(operation, outcomes, requests);

        Assert.Equal(Enumerable.Repeat(StatusCode.OK, CallsEach), outcomes);
        Assert.All(requests, r => Assert.True(isRoute(r), $"{r.Method} {r.Path} is not a {route} request"));
        Assert.Equal(CallsEach * requestsPerCall, requests.Count(r => r.Status == 200));
        var faults = requests.Count(r => r.Status is 429 or 500 or 503);
        Assert.Equal(requests.Count, (CallsEach * requestsPerCall) + faults);
        // About a quarter of a call's worth each: 1000 · 0.2 / 0.8, a little less for the streak cap.
        Assert.True(faults >= 100, $"only {faults} faults: the plan did not fire as set");
        Assert.Equal(faults, await RetriesSinceAsync(operation, retriesBefore, faults));
    }

    /// <summary>
    /// The requests of calls made one after another (or of one call): each call's are any 429s (at most two),
    /// then the one answer that ended it, matching its outcome; nothing else.
    /// </summary>
    private static void AssertCallsInOrder(List<(StatusCode Code, RpcException? Error, string? Id)> outcomes, List<LoggedRequest> requests)
    {
        var next = 0;
        for (var call = 0; call < outcomes.Count; call++)
        {
            var (code, error, _) = outcomes[call];
            var start = next;
            var throttled = 0;
            while (next < requests.Count && requests[next].Status == 429)
            {
                throttled++;
                next++;
            }
            Assert.InRange(throttled, 0, 2);
            Assert.True(next < requests.Count, $"a call that ended {code} has no request that ended it");
            var ended = requests[next++].Status;
            var expected = code switch
            {
                StatusCode.OK => 200,
                StatusCode.Internal => 500,
                StatusCode.Unavailable => 503,
                _ => throw new Xunit.Sdk.XunitException($"A call ended {code}: {error?.Status.Detail}"),
            };
            Assert.True(expected == ended, $"call {call} ended {code}, but its request after {throttled} 429s was answered {ended}; " +
                $"the upstream answered, from there: {string.Join(", ", requests.Skip(start).Take(6).Select(r => r.Status))}");
            if (error is not null)
            {
                var info = RpcAssert.ErrorInfo(error);
                Assert.Equal("api.openai.com", info.Domain);
                Assert.Equal(ended.ToString(), info.Metadata["http_status"]);
            }
        }
        Assert.Equal(requests.Count, next);
    }

    private void Summarize(string operation, IEnumerable<StatusCode> outcomes, List<LoggedRequest> requests) =>
        output.WriteLine($"{operation}: calls {string.Join(", ", outcomes.GroupBy(o => o).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"))}; " +
            $"upstream requests {requests.Count}: {string.Join(", ", requests.GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => $"{g.Key?.ToString() ?? "none"} {g.Count()}"))}");

    /// <summary>The server's retries of <paramref name="operation"/> (a name, or names as A|B) logged so far (event 40, UpstreamRetrying).</summary>
    private int Retries(string operation) =>
        Regex.Count(stack.Server.Output, $@"\b(?:{operation}) is retried \(attempt [0-9]+\)");

    /// <summary>Retries logged since <paramref name="before"/>, once the log holds at least <paramref name="expected"/> (console lines arrive late).</summary>
    private async Task<int> RetriesSinceAsync(string operation, int before, int expected)
    {
        try
        {
            await Poll.UntilAsync(() => Retries(operation) - before >= expected, TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
        }
        return Retries(operation) - before;
    }

    private async Task<string[]> FilesAsync(int count) =>
        await RetryingDeployment.RunAsync(0, count, Workers, (_, i) => stack.CreateFileAsync(Content, $"resilience-{i}.txt"));

    private static string FileIdOf(string path) => path.Split('/')[3];

    [GeneratedRegex("^/v1/uploads/upload_[A-Za-z0-9]+/parts$")]
    private static partial Regex PartPath();

    [GeneratedRegex("^/v1/uploads/upload_[A-Za-z0-9]+/complete$")]
    private static partial Regex CompletePath();

    [GeneratedRegex("^/v1/files/file-[A-Za-z0-9]+/content$")]
    private static partial Regex ContentPath();
}
