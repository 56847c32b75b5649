using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Tests.Infrastructure;
using UploadsGrpc.Server.Upstream;
using UploadsGrpc.Server.Upstream.Json;

namespace UploadsGrpc.Server.Tests.Upstream;

/// <summary>
/// The retry rules, one case a row of Fixtures/Upstream/retries.json: what the upstream answers to each attempt,
/// and the exact attempts, waits (on a fake clock; the jitter fixed at 12.5 %, waits in whole milliseconds) and outcome. The SDKs' rules, except
/// that a request that may have taken effect (CreateUpload, CompleteUpload, CancelUpload, CreateFile) is sent again
/// only when the upstream cannot have acted on it.
/// </summary>
public sealed class UpstreamRetryTests
{
    private static readonly JsonArray Fixtures = JsonNode.Parse(File.ReadAllText(
        Path.Combine(AppContext.BaseDirectory, "Fixtures", "Upstream", "retries.json")))!.AsArray();

    /// <summary>Any object the client may ask for: an Upload, a part, a File, a page of files, a deletion.</summary>
    private const string AnyObject = """{"id": "obj_1", "object": "any", "bytes": 1, "data": [], "has_more": false, "deleted": true}""";

    public static TheoryData<string> Cases() => [.. Fixtures.Select(c => c!["name"]!.GetValue<string>())];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Attempts_waits_and_outcome(string name)
    {
        var c = Fixtures.Single(n => n!["name"]!.GetValue<string>() == name)!;
        var answers = c["answers"]!.AsArray();
        var clock = new TimerRecordingClock();
        var attempts = 0;
        var handler = new AnsweringHandler(_ =>
        {
            var answer = answers[Math.Min(attempts, answers.Count - 1)]!;
            attempts++;
            return Answer(answer, attempts);
        });
        var maxRetries = c["max_retries"]?.GetValue<int>();
        var options = Options.Create(new UpstreamOptions { MaxRetries = c["operation"]!.GetValue<string>() == "add_part" ? 2 : maxRetries ?? 2 });
        var log = new RecordingLogger<UpstreamResilience>();
        var client = new OpenAiUploadsClient(new HttpClient(handler) { BaseAddress = new Uri("http://upstream.test/v1/") },
            new UpstreamCallInfo(), options, clock, resilience: new UpstreamResilience(options, clock, log, new FixedRandom(0.5)));
        var budget = c["deadline_ms"] is { } deadline
            ? CallBudget.Until(clock.GetUtcNow() + TimeSpan.FromMilliseconds(deadline.GetValue<int>()), CancellationToken.None)
            : new CallBudget(HasDeadline: true, CancellationToken.None);

        var call = Call(client, c["operation"]!.GetValue<string>(), budget, maxRetries, bodyRead: c["body_read"]?.GetValue<bool>() ?? false);
        var waits = await clock.RunAsync(call, TimeSpan.FromSeconds(20));

        Assert.Equal(c["attempts"]!.GetValue<int>(), attempts);
        Assert.Equal(c["waits_ms"]!.AsArray().Select(w => w!.GetValue<double>()), waits.Select(w => w.TotalMilliseconds));
        Assert.Equal(waits.Count, log.Entries.Count(e => e.EventName == "UpstreamRetrying"));
        var outcome = c["outcome"]!;
        if (outcome["ok"] is not null)
        {
            await call;
        }
        else if (outcome["status"] is { } status)
        {
            var failure = await Assert.ThrowsAsync<UpstreamException>(() => call);
            Assert.Equal((HttpStatusCode)status.GetValue<int>(), failure.StatusCode);
            Assert.Equal($"attempt {attempts}", failure.Error.Message);
            // The wait a deadline left no time for travels with the answer, for the caller's RetryInfo.
            Assert.Equal(outcome["retry_after_ms"]?.GetValue<double>(), failure.RetryAfter?.TotalMilliseconds);
            Assert.Equal(outcome["retry_after_ms"] is not null, failure.WaitPastDeadline);
        }
        else
        {
            var failure = await Assert.ThrowsAnyAsync<Exception>(() => call);
            Assert.Equal(outcome["exception"]!.GetValue<string>(), failure.GetType().Name);
        }
    }

    private static Task Call(OpenAiUploadsClient client, string operation, CallBudget budget, int? maxRetries, bool bodyRead) => operation switch
    {
        "create_upload" => client.CreateUploadAsync(new CreateUploadBody("a.jsonl", "batch", 1, "text/jsonl", null), budget),
        "add_part" => client.AddUploadPartAsync("upload_1", new byte[4], budget, maxRetries),
        "complete_upload" => client.CompleteUploadAsync("upload_1", new CompleteUploadBody(["part_1"], null), budget),
        "cancel_upload" => client.CancelUploadAsync("upload_1", budget),
        "cleanup_cancel" => client.CancelUploadAsync("upload_1", budget, Replay.Safe),
        "get_file" => client.GetFileAsync("file_1", budget),
        "list_files" => client.ListFilesAsync(new FileListQuery(10, "desc", null, null), budget),
        "delete_file" => client.DeleteFileAsync("file_1", budget),
        "create_file" => client.CreateFileAsync(new CreateFileForm("a.jsonl", "text/jsonl", "batch", null), new ByteArrayContent([1, 2, 3]), budget,
            () => !bodyRead),
        "download" => DownloadAsync(client, budget),
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, null),
    };

    private static async Task DownloadAsync(OpenAiUploadsClient client, CallBudget budget)
    {
        using var response = await client.OpenFileContentAsync("file_1", 0, budget);
    }

    private static HttpResponseMessage Answer(JsonNode answer, int attempt)
    {
        switch (answer["throw"]?.GetValue<string>())
        {
            case "refused":
                // What SocketsHttpHandler throws when nothing listens (seen on Linux, .NET 10).
                throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (upstream.test:80)",
                    new SocketException((int)SocketError.ConnectionRefused));
            case "reset":
                throw new HttpRequestException(HttpRequestError.Unknown, "An error occurred while sending the request.",
                    new IOException("Unable to read data from the transport connection: Connection reset by peer."));
            case "ended":
                throw new HttpRequestException(HttpRequestError.ResponseEnded, "An error occurred while sending the request.",
                    new HttpIOException(HttpRequestError.ResponseEnded, "The response ended prematurely. (ResponseEnded)"));
            case { } other:
                throw new ArgumentOutOfRangeException(nameof(answer), other, null);
        }
        var status = (HttpStatusCode)answer["status"]!.GetValue<int>();
        var body = (int)status < 300 ? AnyObject
            : new JsonObject { ["error"] = new JsonObject { ["message"] = $"attempt {attempt}", ["type"] = "server_error" } }.ToJsonString();
        var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (answer["headers"] is JsonObject headers)
        {
            foreach (var (key, value) in headers)
            {
                response.Headers.TryAddWithoutValidation(key, value!.GetValue<string>());
            }
        }
        return response;
    }

    /// <summary>A jitter source that always answers the same, so the waits are exact.</summary>
    private sealed class FixedRandom(double value) : Random
    {
        public override double NextDouble() => value;
    }
}
