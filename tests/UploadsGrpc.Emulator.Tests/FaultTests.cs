using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using UploadsGrpc.Emulator.Faults;
using UploadsGrpc.Emulator.Hosting;
using UploadsGrpc.Emulator.Tests.Infrastructure;

namespace UploadsGrpc.Emulator.Tests;

/// <summary>Faults are what the façade's retries and error mapping are tested against, so they must be exact.</summary>
public sealed class FaultTests(EmulatorServer emulator) : IClassFixture<EmulatorServer>, IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => (await emulator.Anonymous.DeleteAsync("_admin/faults")).Dispose();

    private async Task SetFaultsAsync(object plan)
    {
        using var response = await emulator.Anonymous.PostAsJsonAsync("_admin/faults", plan);
        await Api.ExpectAsync(response, HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_next_n_requests_get_the_status_headers_and_error_body_then_requests_pass()
    {
        await SetFaultsAsync(new
        {
            rules = new object[]
            {
                new { route = "create_upload", count = 2, status = 429, error_type = "requests", error_code = "rate_limit_exceeded", message = "Slow down.", retry_after = "2", retry_after_ms = 1500, should_retry = true },
            },
        });
        for (var i = 0; i < 2; i++)
        {
            using var response = await emulator.Http.PostAsync("v1/uploads", UploadFlowTests.Json("""{"filename":"a","purpose":"batch","bytes":1,"mime_type":"text/plain"}"""));
            var error = await Api.ExpectErrorAsync(response, HttpStatusCode.TooManyRequests, null, "rate_limit_exceeded", "requests");
            Assert.Equal("Slow down.", error.GetProperty("message").GetString());
            Assert.Equal("2", response.Headers.GetValues("retry-after").Single());
            Assert.Equal("1500", response.Headers.GetValues("retry-after-ms").Single());
            Assert.Equal("true", response.Headers.GetValues("x-should-retry").Single());
        }
        await emulator.CreateUploadAsync(1);
    }

    [Fact]
    public async Task A_5xx_fault_is_a_server_error_and_only_hits_its_route()
    {
        await SetFaultsAsync(new { rules = new object[] { new { route = "add_part", probability = 1.0, status = 503 } } });
        var upload = (await emulator.CreateUploadAsync(1)).GetProperty("id").GetString()!;
        using var response = await emulator.PostPartAsync(upload, [1]);
        await Api.ExpectErrorAsync(response, HttpStatusCode.ServiceUnavailable, null, null, "server_error");
        Assert.Equal(0, (await emulator.AdminUploadAsync(upload)).GetProperty("parts").GetArrayLength());
    }

    [Fact]
    public async Task A_dropped_connection_gives_the_client_no_answer()
    {
        await SetFaultsAsync(new { rules = new object[] { new { route = "cancel_upload", count = 1, drop = true } } });
        var upload = (await emulator.CreateUploadAsync(1)).GetProperty("id").GetString()!;
        await Assert.ThrowsAsync<HttpRequestException>(() => emulator.CancelAsync(upload));
        Assert.Equal("pending", (await emulator.AdminUploadAsync(upload)).GetProperty("status").GetString());
        // The request log has it, with no status: none was sent.
        using (var log = System.Text.Json.JsonDocument.Parse(await emulator.Anonymous.GetStringAsync("_admin/requests")))
        {
            var entry = log.RootElement.GetProperty("recent").EnumerateArray().Last();
            Assert.Equal($"/v1/uploads/{upload}/cancel", entry.GetProperty("path").GetString());
            Assert.Equal(System.Text.Json.JsonValueKind.Null, entry.GetProperty("status").ValueKind);
        }
        using var retry = await emulator.CancelAsync(upload);
        await Api.ExpectAsync(retry, HttpStatusCode.OK);
    }

    [Fact]
    public async Task Latency_delays_and_lets_the_request_through()
    {
        await SetFaultsAsync(new { rules = new object[] { new { route = "*", latency_ms = 400 } } });
        var clock = Stopwatch.StartNew();
        using var response = await emulator.Http.GetAsync("v1/files?limit=1");
        await Api.ExpectAsync(response, HttpStatusCode.OK);
        Assert.True(clock.ElapsedMilliseconds >= 390, $"took {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task A_latency_range_delays_each_request_by_at_least_its_lower_bound()
    {
        await SetFaultsAsync(new { seed = 3, rules = new object[] { new { route = "*", latency_ms = 200, latency_max_ms = 400 } } });
        for (var i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await emulator.Http.GetAsync("v1/files?limit=1");
            await Api.ExpectAsync(response, HttpStatusCode.OK);
            Assert.True(clock.ElapsedMilliseconds >= 190, $"took {clock.ElapsedMilliseconds} ms");
        }
    }

    [Fact]
    public void A_latency_range_is_drawn_uniformly_within_its_bounds_and_replays_from_the_seed()
    {
        var plan = new FaultPlan { Seed = 11, Rules = [new FaultRule { Route = "*", LatencyMs = 50, LatencyMaxMs = 300 }] };
        var injector = new FaultInjector(Options.Create(new EmulatorOptions()));
        List<int> Draw()
        {
            injector.Replace(plan);
            return [.. Enumerable.Range(0, 2000).Select(i => injector.Decide(Routes.GetFile, null).LatencyMs)];
        }
        var first = Draw();
        Assert.All(first, ms => Assert.InRange(ms, 50, 300));
        // Uniform: both ends are reached and each quarter of the range holds about a quarter of the draws.
        Assert.Contains(50, first);
        Assert.Contains(300, first);
        for (var quarter = 0; quarter < 4; quarter++)
        {
            var (from, to) = (50 + (quarter * 62.5), 50 + ((quarter + 1) * 62.5));
            var share = first.Count(ms => ms >= from && ms < to) / 2000.0;
            Assert.InRange(share, 0.2, 0.3);
        }
        Assert.Equal(first, Draw());
    }

    [Fact]
    public void Without_a_maximum_the_latency_is_fixed_and_added_over_rules()
    {
        var injector = new FaultInjector(Options.Create(new EmulatorOptions()));
        injector.Replace(new FaultPlan
        {
            Rules = [new FaultRule { Route = "*", LatencyMs = 40 }, new FaultRule { Route = Routes.GetFile, LatencyMs = 10, LatencyMaxMs = 10 }],
        });
        Assert.Equal(50, injector.Decide(Routes.GetFile, null).LatencyMs);
        Assert.Equal(40, injector.Decide(Routes.ListFiles, null).LatencyMs);
    }

    [Fact]
    public async Task Max_consecutive_lets_every_third_try_through_for_each_upload()
    {
        await SetFaultsAsync(new { seed = 7, rules = new object[] { new { route = "add_part", probability = 1.0, status = 500, max_consecutive = 2 } } });
        var a = (await emulator.CreateUploadAsync(1)).GetProperty("id").GetString()!;
        var b = (await emulator.CreateUploadAsync(1)).GetProperty("id").GetString()!;
        var outcomes = new List<HttpStatusCode>();
        foreach (var upload in new[] { a, b, a, b, a, b })
        {
            using var response = await emulator.PostPartAsync(upload, [1]);
            outcomes.Add(response.StatusCode);
        }
        Assert.Equal(
            [HttpStatusCode.InternalServerError, HttpStatusCode.InternalServerError, HttpStatusCode.InternalServerError,
             HttpStatusCode.InternalServerError, HttpStatusCode.OK, HttpStatusCode.OK], outcomes);
    }

    [Fact]
    public async Task Max_consecutive_counts_per_path_and_query_so_other_callers_do_not_reset_a_streak()
    {
        await SetFaultsAsync(new { rules = new object[] { new { route = "list_files", probability = 1.0, status = 503, max_consecutive = 2 } } });
        var outcomes = new List<(string, HttpStatusCode)>();
        // Two callers interleaved, each asking its own page: each gets through on its own third try.
        foreach (var query in new[] { "limit=1", "limit=2", "limit=1", "limit=2", "limit=1", "limit=2", "limit=1" })
        {
            using var response = await emulator.Http.GetAsync($"v1/files?{query}");
            outcomes.Add((query, response.StatusCode));
        }
        Assert.Equal(
            [("limit=1", HttpStatusCode.ServiceUnavailable), ("limit=2", HttpStatusCode.ServiceUnavailable),
             ("limit=1", HttpStatusCode.ServiceUnavailable), ("limit=2", HttpStatusCode.ServiceUnavailable),
             ("limit=1", HttpStatusCode.OK), ("limit=2", HttpStatusCode.OK), ("limit=1", HttpStatusCode.ServiceUnavailable)],
            outcomes);
    }

    [Fact]
    public async Task A_fault_that_takes_effect_answers_the_error_after_the_request_was_handled()
    {
        var upload = (await emulator.CreateUploadAsync(1)).GetProperty("id").GetString()!;
        await SetFaultsAsync(new { rules = new object[] { new { route = "cancel_upload", count = 1, status = 500, takes_effect = true } } });
        using (var response = await emulator.CancelAsync(upload))
        {
            await Api.ExpectErrorAsync(response, HttpStatusCode.InternalServerError, null, null, "server_error");
        }
        Assert.Equal("cancelled", (await emulator.AdminUploadAsync(upload)).GetProperty("status").GetString());

        // A request the handler refuses keeps its own error: nothing took effect, so there is nothing to hide.
        await SetFaultsAsync(new { rules = new object[] { new { route = "cancel_upload", count = 1, status = 500, takes_effect = true } } });
        using var again = await emulator.CancelAsync(upload);
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
    }

    [Fact]
    public async Task A_seeded_probability_replays_the_same_faults()
    {
        async Task<string> RunAsync()
        {
            await SetFaultsAsync(new { seed = 42, rules = new object[] { new { route = "list_files", probability = 0.5, status = 502 } } });
            var pattern = "";
            for (var i = 0; i < 20; i++)
            {
                using var response = await emulator.Http.GetAsync("v1/files?limit=1");
                pattern += response.StatusCode == HttpStatusCode.OK ? "." : "x";
            }
            return pattern;
        }
        var first = await RunAsync();
        Assert.Equal(first, await RunAsync());
        Assert.Contains('x', first);
        Assert.Contains('.', first);
    }

    [Theory]
    [InlineData("""{"rules":[{"route":"uploads","status":500}]}""", "route")]
    [InlineData("""{"rules":[{"route":"*","probability":1.5,"status":500}]}""", "probability")]
    [InlineData("""{"rules":[{"route":"*","status":200}]}""", "status")]
    [InlineData("""{"rules":[{"route":"*","latency_ms":300,"latency_max_ms":50}]}""", "latency_max_ms")]
    [InlineData("""{"rules":[{"route":"*","latency_max_ms":-1}]}""", "latency_max_ms")]
    public async Task A_bad_fault_plan_is_refused(string plan, string param)
    {
        using var response = await emulator.Anonymous.PostAsync("_admin/faults", UploadFlowTests.Json(plan));
        await Api.ExpectErrorAsync(response, HttpStatusCode.BadRequest, param);
    }

    [Fact]
    public async Task A_misspelt_fault_field_is_refused_rather_than_ignored()
    {
        using var response = await emulator.Anonymous.PostAsync("_admin/faults", UploadFlowTests.Json("""{"rules":[{"route":"*","stauts":500}]}"""));
        await Api.ExpectErrorAsync(response, HttpStatusCode.BadRequest, null);
    }
}

/// <summary>Faults set in configuration apply from the first request.</summary>
public sealed class ConfiguredFaultTests() : IAsyncLifetime
{
    private readonly EmulatorServer _emulator = EmulatorServer.With(new Dictionary<string, string?>
    {
        ["Emulator:Faults:Rules:0:Route"] = "get_file",
        ["Emulator:Faults:Rules:0:Count"] = "1",
        ["Emulator:Faults:Rules:0:Status"] = "504",
    });

    public Task InitializeAsync() => _emulator.InitializeAsync();

    public Task DisposeAsync() => _emulator.DisposeAsync();

    [Fact]
    public async Task The_first_matching_request_fails_as_configured()
    {
        using var first = await _emulator.Http.GetAsync("v1/files/file-x");
        await Api.ExpectErrorAsync(first, HttpStatusCode.GatewayTimeout, null, null, "server_error");
        using var second = await _emulator.Http.GetAsync("v1/files/file-x");
        await Api.ExpectErrorAsync(second, HttpStatusCode.NotFound, "id");
    }
}
