using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>
/// The standalone emulator and the server process in Production with retry waits of a few milliseconds, so a
/// thousand calls under faults run in seconds; and a client channel that never retries, so every retry seen
/// upstream is the server's.
/// </summary>
public sealed class RetryingDeployment : IAsyncLifetime
{
    public EmulatorProcess Emulator { get; private set; } = null!;

    public ServerProcess Server { get; private set; } = null!;

    public GrpcChannel Channel { get; private set; } = null!;

    public UploadService.UploadServiceClient Uploads => new(Channel);

    public FileService.FileServiceClient Files => new(Channel);

    public async Task InitializeAsync()
    {
        Emulator = await EmulatorProcess.StartAsync();
        var variables = Emulator.UpstreamVariables();
        variables["Upstream__RetryBaseDelay"] = "00:00:00.005";
        variables["Upstream__MaxRetryDelay"] = "00:00:00.020";
        Server = await ServerProcess.Start("Production", variables).ReadyAsync();
        Channel = NoRetryChannel(Server.Address);
    }

    /// <summary>A channel with no service config and no retry attempts: each call is one HTTP/2 request to the server.</summary>
    public static GrpcChannel NoRetryChannel(Uri address) => GrpcChannel.ForAddress(address, new GrpcChannelOptions
    {
        MaxRetryAttempts = 0,
        ServiceConfig = null,
    });

    /// <summary>A file made on the emulator directly, with no fault plan in the way.</summary>
    public async Task<string> CreateFileAsync(byte[] content, string filename)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("assistants"), "purpose");
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(file, "file", filename);
        using var response = await Emulator.Http.PostAsync("v1/files", form);
        return await IdOfAsync(response);
    }

    /// <summary>A pending upload of <paramref name="bytes"/> made on the emulator directly.</summary>
    public async Task<string> CreateUploadAsync(long bytes)
    {
        using var response = await Emulator.Http.PostAsJsonAsync("v1/uploads", new Dictionary<string, object>
        {
            ["filename"] = "resilience.txt", ["purpose"] = "assistants", ["bytes"] = bytes, ["mime_type"] = "text/plain",
        });
        return await IdOfAsync(response);
    }

    /// <summary>A part added on the emulator directly.</summary>
    public async Task<string> AddPartAsync(string uploadId, byte[] data)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(data), "data", "blob");
        using var response = await Emulator.Http.PostAsync($"v1/uploads/{uploadId}/parts", form);
        return await IdOfAsync(response);
    }

    /// <summary>The emulator's request total, then the requests logged since <paramref name="since"/> (all of them, or the test fails).</summary>
    public async Task<(long Total, IReadOnlyList<LoggedRequest> Since)> RequestsSinceAsync(long since)
    {
        using var body = JsonDocument.Parse(await Emulator.Http.GetStringAsync("_admin/requests"));
        var total = body.RootElement.GetProperty("total").GetInt64();
        var recent = body.RootElement.GetProperty("recent").EnumerateArray().ToList();
        var count = total - since;
        Assert.True(count <= recent.Count, $"{count} requests since the mark, more than the {recent.Count} the emulator keeps: use smaller batches");
        return (total, [.. recent.Skip(recent.Count - (int)count).Select(r => new LoggedRequest(
            r.GetProperty("method").GetString()!,
            r.GetProperty("path").GetString()!,
            r.GetProperty("status").ValueKind == JsonValueKind.Null ? null : r.GetProperty("status").GetInt32()))]);
    }

    /// <summary>The ids of the emulator's uploads in <paramref name="status"/>.</summary>
    public async Task<HashSet<string>> UploadIdsAsync(string status)
    {
        using var body = JsonDocument.Parse(await Emulator.Http.GetStringAsync($"_admin/uploads?status={status}"));
        return [.. body.RootElement.GetProperty("ids").EnumerateArray().Select(i => i.GetString()!)];
    }

    /// <summary>
    /// Runs <paramref name="count"/> calls on <paramref name="workers"/> workers; worker w makes calls w, w + workers, …
    /// one after another, so what one worker's calls share (a file, a page size) is never asked twice at once.
    /// </summary>
    public static async Task<T[]> RunAsync<T>(int first, int count, int workers, Func<int, int, Task<T>> call)
    {
        var results = new T[count];
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async worker =>
        {
            for (var i = worker; i < count; i += workers)
            {
                results[i] = await call(worker, first + i);
            }
        }));
        return results;
    }

    /// <summary>The call's outcome: OK, or the status it failed with.</summary>
    public static async Task<(StatusCode Code, RpcException? Error)> OutcomeAsync(Func<Task> call)
    {
        try
        {
            await call();
            return (StatusCode.OK, null);
        }
        catch (RpcException error)
        {
            return (error.StatusCode, error);
        }
    }

    private static async Task<string> IdOfAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"The emulator answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
    }

    public Task DisposeAsync()
    {
        Channel?.Dispose();
        Server?.Dispose();
        Emulator?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>One /v1 request as the emulator logged it, with the status it answered (null: none, e.g. a dropped connection).</summary>
public sealed record LoggedRequest(string Method, string Path, int? Status);
