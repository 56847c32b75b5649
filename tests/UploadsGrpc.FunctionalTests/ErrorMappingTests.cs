using System.Text.Json.Nodes;
using Google.Rpc;
using Grpc.Core;
using UploadsGrpc.FunctionalTests.Infrastructure;

namespace UploadsGrpc.FunctionalTests;

/// <summary>
/// The error table (README.md, "Errors"), case by case (Fixtures/Errors/upstream-errors.json): the scripted upstream answers on
/// a real socket, and the client must get the exact status, ErrorInfo, RetryInfo and x-request-id, never the key.
/// </summary>
public sealed class ErrorMappingTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private static readonly FixtureTable Fixtures = new("Errors", "upstream-errors.json");

    public static TheoryData<string> Cases() => Fixtures.Names();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Upstream_outcome_maps_to_the_status_of_the_table(string name)
    {
        var c = Fixtures.Case(name);
        var expect = c["expect"]!;
        var requestId = c["request_id"]!.GetValue<string>();
        var headers = new List<(string, string)> { ("x-request-id", requestId) };
        headers.AddRange(c["headers"]?.AsObject().Select(h => (h.Key, h.Value!.GetValue<string>())) ?? []);
        fixture.Fresh().Answer(c["status"]!.GetValue<int>(), c["body"]!.GetValue<string>(),
            c["content_type"]?.GetValue<string>() ?? "application/json", [.. headers]);

        var ex = await RpcAssert.FailsAsync(Enum.Parse<StatusCode>(expect["code"]!.GetValue<string>()),
            () => Calls.InvokeAsync(fixture.Uploads, c["rpc"]!.GetValue<string>()));

        var info = RpcAssert.ErrorInfo(ex);
        Assert.Equal(expect["domain"]!.GetValue<string>(), info.Domain);
        Assert.Equal(expect["reason"]!.GetValue<string>(), info.Reason);
        var metadata = expect["metadata"]!.AsObject().ToDictionary(m => m.Key, m => m.Value!.GetValue<string>());
        Assert.Equal(metadata.OrderBy(m => m.Key), info.Metadata.OrderBy(m => m.Key));

        if (expect["message"] is { } message)
        {
            Assert.Equal(message.GetValue<string>(), ex.Status.Detail);
        }
        if (expect["message_contains"] is { } part)
        {
            Assert.Contains(part.GetValue<string>(), ex.Status.Detail, StringComparison.Ordinal);
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
            Assert.Equal([field.GetValue<string>()], badRequest!.FieldViolations.Select(v => v.Field));
        }
        else
        {
            Assert.Null(badRequest);
        }

        Assert.Equal(requestId, ex.Trailers.GetValue("x-request-id"));
        AssertNoKey(ex);
        Assert.Single(fixture.Upstream.Requests);
    }

    [Fact]
    public void The_table_covers_every_status_of_the_error_table()
    {
        var statuses = Fixtures.All.Select(c => c["status"]!.GetValue<int>()).ToHashSet();
        Assert.Superset(new HashSet<int> { 400, 401, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504 }, statuses);
    }

    internal static void AssertNoKey(RpcException ex)
    {
        Assert.DoesNotContain("sk-test", ex.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(FacadeHost.ApiKey, ex.Status.Detail, StringComparison.Ordinal);
        foreach (var entry in ex.Trailers)
        {
            var text = entry.IsBinary ? System.Text.Encoding.UTF8.GetString(entry.ValueBytes) : entry.Value;
            Assert.DoesNotContain(FacadeHost.ApiKey, text, StringComparison.Ordinal);
        }
    }
}
