using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Tests.Infrastructure;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Tests.Upstream;

/// <summary>
/// 2xx bodies as a broken or hostile upstream sends them (Fixtures/Upstream/upstream-bodies.json), read by the real
/// client: each is the promised object or an <see cref="UpstreamProtocolException"/>, never a null, an overflow or
/// another exception that would reach the caller as INTERNAL with a stack trace.
/// </summary>
public sealed class UpstreamBodyTests
{
    private static readonly JsonArray Fixtures = JsonNode.Parse(File.ReadAllText(
        Path.Combine(AppContext.BaseDirectory, "Fixtures", "Upstream", "upstream-bodies.json")))!.AsArray();

    public static TheoryData<string> Cases() => [.. Fixtures.Select(c => c!["name"]!.GetValue<string>())];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_body_is_the_promised_object_or_UPSTREAM_INVALID_RESPONSE(string name)
    {
        var c = Fixtures.Single(n => n!["name"]!.GetValue<string>() == name)!;
        var body = c["body_base64"] is { } base64 ? Convert.FromBase64String(base64.GetValue<string>())
            : System.Text.Encoding.UTF8.GetBytes(c["body"]!.GetValue<string>());
        var status = (HttpStatusCode)c["status"]!.GetValue<int>();
        var client = Client(_ => Answer(status, body));

        Func<Task> call = c["kind"]!.GetValue<string>() switch
        {
            "upload" => () => client.CancelUploadAsync("upload_1", Budget),
            "part" => () => client.AddUploadPartAsync("upload_1", new byte[1], Budget),
            "file" => () => client.GetFileAsync("file_1", Budget),
            "list" => () => client.ListFilesAsync(new FileListQuery(10, "desc", null, null), Budget),
            "deleted" => () => client.DeleteFileAsync("file_1", Budget),
            var kind => throw new ArgumentOutOfRangeException(nameof(name), kind, null),
        };

        if (c["valid"]!.GetValue<bool>())
        {
            await call();
            return;
        }
        var refused = await Assert.ThrowsAsync<UpstreamProtocolException>(call);
        Assert.Equal(status, refused.StatusCode);
        Assert.Equal("req_1", refused.RequestId);
        Assert.StartsWith($"The upstream answered HTTP {(int)status} ", refused.Message, StringComparison.Ordinal);
        if (c["message_contains"] is { } part)
        {
            Assert.Contains(part.GetValue<string>(), refused.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_body_longer_than_MaxJsonResponseBytes_is_refused_whether_or_not_it_says_its_length()
    {
        var options = new UpstreamOptions { MaxJsonResponseBytes = 64 * 1024 };
        var body = System.Text.Encoding.UTF8.GetBytes("{\"id\": \"u\", \"filename\": \"" + new string('a', 70 * 1024) + "\"}");

        foreach (var withLength in new[] { true, false })
        {
            var client = Client(_ => Answer(HttpStatusCode.OK, body, withLength), options);
            var refused = await Assert.ThrowsAsync<UpstreamProtocolException>(() => client.CancelUploadAsync("upload_1", Budget));
            Assert.Contains("Upstream:MaxJsonResponseBytes", refused.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(300)]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(303)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task A_redirect_is_refused_not_followed(int status)
    {
        var client = Client(_ =>
        {
            var response = Answer((HttpStatusCode)status, []);
            response.Headers.Location = new Uri("http://elsewhere.test/v1/uploads/upload_1/cancel");
            return response;
        });

        var refused = await Assert.ThrowsAsync<UpstreamProtocolException>(() => client.CancelUploadAsync("upload_1", Budget));

        Assert.Equal((HttpStatusCode)status, refused.StatusCode);
    }

    private static readonly CallBudget Budget = new(HasDeadline: true, CancellationToken.None);

    private static HttpResponseMessage Answer(HttpStatusCode status, byte[] body, bool withLength = true)
    {
        var response = new HttpResponseMessage(status)
        {
            Content = withLength ? new ByteArrayContent(body) : new StreamContent(new UnknownLengthStream(body)),
        };
        response.Content.Headers.ContentType = new("application/json");
        response.Headers.TryAddWithoutValidation("x-request-id", "req_1");
        return response;
    }

    private static OpenAiUploadsClient Client(Func<HttpRequestMessage, HttpResponseMessage> answer, UpstreamOptions? options = null) =>
        new(new HttpClient(new AnsweringHandler(answer)) { BaseAddress = new Uri("http://upstream.test/v1/") },
            new UpstreamCallInfo(), Options.Create(options ?? new UpstreamOptions()), TimeProvider.System);

    /// <summary>A body whose length is not known up front, as a chunked answer's.</summary>
    private sealed class UnknownLengthStream(byte[] body) : MemoryStream(body)
    {
        public override bool CanSeek => false;
    }
}
