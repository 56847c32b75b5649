using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using UploadsGrpc.Emulator.Hosting;
using UploadsGrpc.Emulator.Tests.Infrastructure;

namespace UploadsGrpc.Emulator.Tests;

/// <summary>
/// <c>GET /_admin/requests</c> lists the latest /v1 requests with the project and the key's hash they were made
/// as, so suites prove on whose behalf a caller's call went upstream, the status each was answered, and the W3C
/// traceparent it carried, so suites prove a trace reached the upstream.
/// </summary>
public sealed class RequestLogTests(EmulatorServer emulator) : IClassFixture<EmulatorServer>
{
    private const string KeyA = "sk-alpha-key";
    private const string KeyB = "sk-beta-key";
    // sha256sum of the keys' bytes, written out so the test does not share the emulator's way of hashing.
    private const string KeyAHash = "ae1396af88e52db81c09c00f1d2f084072161f09ecdbd38fec5c8715b613c26b";
    private const string Traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private const string KeyBHash = "03f8f2a3baa17d560fa17a8df9bfd130abe90a24f582d7b77c1d44608a9840b2";

    [Fact]
    public async Task Each_request_is_listed_with_its_method_path_project_and_keys_hash_oldest_first()
    {
        using (var create = Request(HttpMethod.Post, "v1/uploads", KeyA, "proj_alpha"))
        {
            create.Content = JsonContent.Create(new Dictionary<string, object>
            {
                ["filename"] = "a.txt", ["purpose"] = "assistants", ["bytes"] = 3, ["mime_type"] = "text/plain",
            });
            await SendAsync(create, HttpStatusCode.OK);
        }
        await SendAsync(Request(HttpMethod.Get, "v1/files?limit=5", KeyB, "proj_beta"), HttpStatusCode.OK);
        await SendAsync(Request(HttpMethod.Get, "v1/files/file-missing", KeyA, project: null), HttpStatusCode.NotFound);
        using (var traced = Request(HttpMethod.Delete, "v1/files/file-missing", KeyB, "proj_alpha"))
        {
            traced.Headers.TryAddWithoutValidation("traceparent", Traceparent);
            await SendAsync(traced, HttpStatusCode.NotFound);
        }
        await SendAsync(Request(HttpMethod.Get, "v1/files", key: null, "proj_beta"), HttpStatusCode.Unauthorized);

        var (body, text) = await RequestsAsync();
        var recent = body.GetProperty("recent").EnumerateArray().ToList();
        Assert.Equal(["method", "path", "project", "key_sha256", "status", "traceparent"], recent[^1].EnumerateObject().Select(p => p.Name));
        Assert.Equal(
            [
                ("POST", "/v1/uploads", "proj_alpha", KeyAHash),
                ("GET", "/v1/files", "proj_beta", KeyBHash),
                ("GET", "/v1/files/file-missing", "proj_default", KeyAHash),
                ("DELETE", "/v1/files/file-missing", "proj_alpha", KeyBHash),
                ("GET", "/v1/files", "proj_beta", null),
            ],
            recent.TakeLast(5).Select(Entry));
        // The status answered, whoever set it: the handler, a thrown error, the key filter.
        Assert.Equal([200, 200, 404, 404, 401], recent.TakeLast(5).Select(r => r.GetProperty("status").GetInt32()));
        // The W3C trace context a client sent, as it came; null without one.
        Assert.Equal([null, null, null, Traceparent, null], recent.TakeLast(5).Select(r => r.GetProperty("traceparent").GetString()));
        Assert.DoesNotContain(KeyA, text, StringComparison.Ordinal);
        Assert.DoesNotContain(KeyB, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admin_requests_are_not_listed_and_the_list_keeps_only_the_latest()
    {
        for (var i = 0; i < RequestLog.Capacity + 5; i++)
        {
            await SendAsync(Request(HttpMethod.Get, $"v1/files/file-n{i}", KeyA, "proj_alpha"), HttpStatusCode.NotFound);
        }
        (await emulator.Anonymous.GetAsync("_admin/uploads")).Dispose();

        var (body, _) = await RequestsAsync();
        var recent = body.GetProperty("recent").EnumerateArray().ToList();
        Assert.Equal(RequestLog.Capacity, recent.Count);
        Assert.Equal(("GET", "/v1/files/file-n5", "proj_alpha", KeyAHash), Entry(recent[0]));
        Assert.Equal(("GET", $"/v1/files/file-n{RequestLog.Capacity + 4}", "proj_alpha", KeyAHash), Entry(recent[^1]));
        Assert.True(body.GetProperty("total").GetInt64() >= RequestLog.Capacity + 5);
    }

    private static (string?, string?, string?, string?) Entry(JsonElement entry) => (
        entry.GetProperty("method").GetString(),
        entry.GetProperty("path").GetString(),
        entry.GetProperty("project").GetString(),
        entry.GetProperty("key_sha256").GetString());

    private async Task<(JsonElement Body, string Text)> RequestsAsync()
    {
        using var response = await emulator.Anonymous.GetAsync("_admin/requests");
        var body = await Api.ExpectAsync(response, HttpStatusCode.OK);
        return (body, body.GetRawText());
    }

    private async Task SendAsync(HttpRequestMessage request, HttpStatusCode status)
    {
        using (request)
        {
            using var response = await emulator.Anonymous.SendAsync(request);
            await Api.ExpectAsync(response, status);
        }
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string? key, string? project)
    {
        var request = new HttpRequestMessage(method, path);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        if (project is not null)
        {
            request.Headers.Add("OpenAI-Project", project);
        }
        return request;
    }
}
