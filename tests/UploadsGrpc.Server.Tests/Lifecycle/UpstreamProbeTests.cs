using System.Net;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Lifecycle;
using UploadsGrpc.Server.Tests.Infrastructure;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Tests.Lifecycle;

/// <summary>What one probe of the upstream concludes from each kind of answer, and what it tells health and the log.</summary>
public sealed class UpstreamProbeTests : IDisposable
{
    private readonly DrainState _drain = new();
    private readonly HealthServiceImpl _health = new();
    private readonly RecordingLogger<UpstreamReachability> _logger = new();
    private readonly UpstreamReachability _reachability;
    private Func<HttpRequestMessage, HttpResponseMessage> _answer = _ => EmptyList();

    public UpstreamProbeTests()
    {
        _reachability = new UpstreamReachability(TimeProvider.System, _logger);
        _ = new ServingStatus(_health, _drain, _reachability);
    }

    public static TheoryData<int, bool, string> Answers => new()
    {
        { 200, true, "the probe GET /files answered 200" },
        { 404, true, "the probe GET /files answered 404" },
        { 429, true, "the probe GET /files answered 429" },
        { 401, false, "the probe GET /files answered 401" },
        { 403, false, "the probe GET /files answered 403" },
        { 500, false, "the probe GET /files answered 500" },
        { 503, false, "the probe GET /files answered 503" },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task An_answer_is_reachable_unless_it_is_5xx_or_the_key_is_refused(int status, bool reachable, string reason)
    {
        _answer = _ => status == 200 ? EmptyList() : UpstreamResponses.Error((HttpStatusCode)status, "no", "error");

        var handler = await ProbeAsync();

        Assert.Equal((reachable, reason), _reachability.Current);
        Assert.Equal(reachable ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing, await StatusAsync());
        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal("/v1/files?limit=1&order=desc", request.RequestUri!.PathAndQuery);
    }

    [Fact]
    public async Task A_connection_that_cannot_be_made_is_unreachable_and_names_the_error_kind()
    {
        _answer = _ => throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (upstream.test:80)");

        await ProbeAsync();

        Assert.Equal((false, "the probe GET /files failed: ConnectionError"), _reachability.Current);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, await StatusAsync());
    }

    [Fact]
    public async Task Only_a_change_is_logged_and_the_health_check_follows_the_probe()
    {
        await ProbeAsync();
        await ProbeAsync();
        _answer = _ => UpstreamResponses.Error(HttpStatusCode.ServiceUnavailable, "down", "server_error");
        await ProbeAsync();
        await ProbeAsync();

        Assert.Equal(["UpstreamReachable", "UpstreamUnreachable"], _logger.Entries.Select(e => e.EventName));
        var check = await new UpstreamHealthCheck(_reachability, _drain).CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, check.Status);
        Assert.Equal("the probe GET /files answered 503", check.Description);
    }

    [Fact]
    public async Task Before_any_probe_and_while_draining_the_upstream_is_not_reported_serving()
    {
        var before = await new UpstreamHealthCheck(_reachability, _drain).CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, before.Status);
        Assert.Equal(UpstreamReachability.NotObserved, before.Description);

        await ProbeAsync();
        _drain.BeginDraining();

        var draining = await new UpstreamHealthCheck(_reachability, _drain).CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, draining.Status);
        Assert.Equal("draining", draining.Description);
    }

    [Fact]
    public async Task A_200_that_is_not_a_file_list_is_not_the_upstream_working()
    {
        _answer = _ => UpstreamResponses.Json(HttpStatusCode.OK, "<html>captive portal</html>");

        await ProbeAsync();

        Assert.Equal((false, "the probe GET /files answered with a body that is not the Files API's"), _reachability.Current);
    }

    [Fact]
    public void Calls_report_reachability_without_a_probe_and_leave_5xx_and_refused_keys_to_it()
    {
        _reachability.Failed(HttpRequestError.ConnectionError);
        Assert.Equal((false, "a request failed: ConnectionError"), _reachability.Current);

        _reachability.Answered(HttpStatusCode.ServiceUnavailable);
        _reachability.Answered(HttpStatusCode.Unauthorized);
        _reachability.Failed(HttpRequestError.Unknown);
        Assert.Equal((false, "a request failed: ConnectionError"), _reachability.Current);

        _reachability.Answered(HttpStatusCode.NotFound);
        Assert.Equal((true, "it answered 404"), _reachability.Current);
        Assert.Equal(["UpstreamUnreachable", "UpstreamReachable"], _logger.Entries.Select(e => e.EventName));
    }

    private static HttpResponseMessage EmptyList() =>
        UpstreamResponses.Json(HttpStatusCode.OK, """{"object": "list", "data": [], "has_more": false}""");

    private async Task<AnsweringHandler> ProbeAsync()
    {
        var handler = new AnsweringHandler(request => _answer(request));
        using var services = new ServiceCollection()
            .AddScoped(_ => new OpenAiUploadsClient(
                new HttpClient(handler) { BaseAddress = new Uri("http://upstream.test/v1/") },
                new UpstreamCallInfo(), Options.Create(new UpstreamOptions()), TimeProvider.System, _reachability))
            .BuildServiceProvider();
        var probe = new UpstreamProbe(services.GetRequiredService<IServiceScopeFactory>(), _reachability, Options.Create(new HealthOptions()), TimeProvider.System);
        await probe.ProbeOnceAsync(CancellationToken.None);
        return handler;
    }

    private async Task<HealthCheckResponse.Types.ServingStatus> StatusAsync() =>
        (await _health.Check(new HealthCheckRequest { Service = HealthNames.Upstream }, new FixedCallContext("/grpc.health.v1.Health/Check", CancellationToken.None))).Status;

    public void Dispose() => _drain.Dispose();
}
