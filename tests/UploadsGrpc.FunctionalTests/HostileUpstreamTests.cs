using System.Text.Json.Nodes;
using Google.Rpc;
using Grpc.Core;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests;

/// <summary>
/// What a hostile or broken upstream can send (Fixtures/Upstream/hostile-upstream.json), answered on a real socket:
/// error text quoting the key or too long for a trailer, x-request-id values a trailer cannot carry, Retry-After
/// values that overflow, 2xx bodies that are not the promised JSON, redirects. Each case asserts the exact status,
/// reason, metadata and trailer, the key nowhere, and what the server logged: never an error, never a stack trace.
/// </summary>
public sealed class HostileUpstreamTests(HostileUpstreamFixture fixture) : IClassFixture<HostileUpstreamFixture>
{
    private static readonly FixtureTable Fixtures = new("Upstream", "hostile-upstream.json");

    public static TheoryData<string> Cases() => Fixtures.Names();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Hostile_upstream_answer_gets_the_exact_status(string name)
    {
        var c = Fixtures.Case(name);
        var expect = c["expect"]!;
        var requestId = Expand(c["request_id"]!.GetValue<string>());
        var headers = new List<(string, string)> { ("x-request-id", requestId) };
        headers.AddRange(c["headers"]?.AsObject().Select(h => (h.Key, Expand(h.Value!.GetValue<string>()))) ?? []);
        var body = c["body_base64"] is { } base64 ? Convert.FromBase64String(base64.GetValue<string>())
            : System.Text.Encoding.UTF8.GetBytes(Expand(c["body"]!.GetValue<string>()));
        var contentType = c["content_type"]?.GetValue<string>() ?? "application/json";
        var status = c["status"]!.GetValue<int>();
        fixture.Fresh().Script((_, context) => ScriptedUpstream.Respond(context, status, body, contentType, [.. headers]));
        var logsBefore = fixture.Logs.Lines.Count;

        var code = Enum.Parse<StatusCode>(expect["code"]!.GetValue<string>());
        Metadata trailers;
        if (code == StatusCode.OK)
        {
            trailers = await InvokeAsync(c["rpc"]!.GetValue<string>());
        }
        else
        {
            var ex = await RpcAssert.FailsAsync(code, () => InvokeAsync(c["rpc"]!.GetValue<string>()));
            trailers = ex.Trailers;
            AssertStatus(ex, expect);
            ErrorMappingTests.AssertNoKey(ex);
        }

        var expectedId = expect["request_id_trailer"] is { } id ? Expand(id.GetValue<string>())
            : expect.AsObject().ContainsKey("request_id_trailer") ? null : requestId;
        Assert.Equal(expectedId, trailers.GetValue("x-request-id"));
        Assert.Single(fixture.Upstream.Requests);
        Assert.Empty(fixture.OtherHost.Requests);
        await AssertLogsAsync(logsBefore, oneWarning: expect["one_warning"]?.GetValue<bool>() ?? false);
    }

    [Fact]
    public void The_table_has_at_least_fifty_cases() => Assert.True(Fixtures.All.Count >= 50, $"{Fixtures.All.Count} cases");

    private void AssertStatus(RpcException ex, JsonNode expect)
    {
        var info = RpcAssert.ErrorInfo(ex);
        Assert.Equal(expect["domain"]!.GetValue<string>(), info.Domain);
        Assert.Equal(expect["reason"]!.GetValue<string>(), info.Reason);
        Assert.Matches("^[A-Z][A-Z0-9_]{0,61}[A-Z0-9]$", info.Reason);
        var metadata = expect["metadata"]!.AsObject().ToDictionary(m => m.Key, m => Expand(m.Value!.GetValue<string>()));
        Assert.Equal(metadata.OrderBy(m => m.Key), info.Metadata.OrderBy(m => m.Key));
        Assert.All(info.Metadata.Values, v => Assert.True(v.Length <= 256, $"a metadata value of {v.Length} chars"));
        Assert.True(ex.Status.Detail.Length <= 1024, $"a grpc-message of {ex.Status.Detail.Length} chars");
        if (expect["message"] is { } message)
        {
            Assert.Equal(Expand(message.GetValue<string>()), ex.Status.Detail);
        }

        var retry = RpcAssert.Detail<RetryInfo>(ex);
        if (expect["retry_delay_ms"] is { } delay)
        {
            Assert.NotNull(retry);
            Assert.Equal(TimeSpan.FromMilliseconds(delay.GetValue<int>()), retry.RetryDelay.ToTimeSpan());
        }
        else
        {
            Assert.Null(retry);
        }

        var badRequest = RpcAssert.Detail<BadRequest>(ex);
        if (expect["bad_request_field"] is { } field)
        {
            var violation = Assert.Single(badRequest!.FieldViolations);
            Assert.Equal(Expand(field.GetValue<string>()), violation.Field);
            Assert.Equal(Expand(expect["bad_request_description"]!.GetValue<string>()), violation.Description);
        }
        else
        {
            Assert.Null(badRequest);
        }
    }

    /// <summary>
    /// The call's log lines: no key, no line break inside a line, nothing at Error, no exception attached; a refused
    /// 2xx body is exactly one warning.
    /// </summary>
    private async Task AssertLogsAsync(int before, bool oneWarning)
    {
        // The failure is logged before the status goes out, but give a late line its chance to show up.
        await Task.Delay(50);
        var lines = fixture.Logs.Lines.Skip(before).ToList();
        Assert.All(lines, line =>
        {
            Assert.DoesNotContain(FacadeHost.ApiKey, line, StringComparison.Ordinal);
            Assert.DoesNotContain("sk-test", line, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', line);
            Assert.False(line.StartsWith("Error", StringComparison.Ordinal) || line.StartsWith("Critical", StringComparison.Ordinal), line);
            Assert.DoesNotContain("Exception:", line, StringComparison.Ordinal);
        });
        if (oneWarning)
        {
            Assert.Single(lines, line => line.StartsWith("Warning CallFailed", StringComparison.Ordinal));
        }
    }

    private async Task<Metadata> InvokeAsync(string rpc)
    {
        switch (rpc)
        {
            case "get_file":
                using (var call = fixture.Files.GetFileAsync(new GetFileRequest { FileId = "file-abc123" })) { await call; return call.GetTrailers(); }
            case "list_files":
                using (var call = fixture.Files.ListFilesAsync(new ListFilesRequest())) { await call; return call.GetTrailers(); }
            case "delete_file":
                using (var call = fixture.Files.DeleteFileAsync(new DeleteFileRequest { FileId = "file-abc123" })) { await call; return call.GetTrailers(); }
            default:
                return await Calls.InvokeAsync(fixture.Uploads, rpc);
        }
    }

    /// <summary>{{KEY}} is the façade's key, {{OTHER}} the other host's /v1, {{REPEAT:c:n}} n times c.</summary>
    private string Expand(string text)
    {
        text = text.Replace("{{KEY}}", FacadeHost.ApiKey, StringComparison.Ordinal)
            .Replace("{{OTHER}}", fixture.OtherHost.BaseUrl.ToString().TrimEnd('/'), StringComparison.Ordinal);
        return System.Text.RegularExpressions.Regex.Replace(text, @"\{\{REPEAT:(.):(\d+)\}\}",
            m => new string(m.Groups[1].Value[0], int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)));
    }
}
