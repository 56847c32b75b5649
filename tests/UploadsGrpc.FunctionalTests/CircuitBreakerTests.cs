using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Google.Rpc;
using Grpc.Core;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.V1;
using Xunit.Abstractions;

namespace UploadsGrpc.FunctionalTests;

/// <summary>
/// The circuit breaker end to end: an emulator that drops every connection, a server process with the default
/// breaker but a 2 s break, and a client that never retries.
/// </summary>
[Collection(ProcessTests.Name)]
public sealed partial class CircuitBreakerTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(2);
    private EmulatorProcess _emulator = null!;
    private ServerProcess _server = null!;

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorProcess.StartAsync();
        var variables = _emulator.UpstreamVariables();
        variables["Upstream__Breaker__BreakDuration"] = BreakDuration.ToString("c", CultureInfo.InvariantCulture);
        variables["Upstream__RetryBaseDelay"] = "00:00:00.005";
        variables["Upstream__MaxRetryDelay"] = "00:00:00.020";
        _server = await ServerProcess.Start("Production", variables).ReadyAsync();
    }

    public Task DisposeAsync()
    {
        _server.Dispose();
        _emulator.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task With_the_upstream_down_calls_fail_fast_without_an_upstream_request_and_the_probe_closes_the_circuit_after_recovery()
    {
        using var channel = RetryingDeployment.NoRetryChannel(_server.Address);
        var files = new FileService.FileServiceClient(channel);
        var list = new ListFilesRequest { PageSize = 1 };
        await files.ListFilesAsync(list);

        // The upstream goes down: every connection is dropped. Calls fail as the upstream does until the breaker has
        // seen its minimum of 10 requests within 10 s, at least half of them failed; then it opens.
        await _emulator.SetFaultsAsync(new { rules = new object[] { new { route = "*", drop = true } } });
        var before = await _emulator.RequestTotalAsync();
        var failed = new List<string>();
        RpcException open;
        while (true)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => files.ListFilesAsync(list).ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, error.StatusCode);
            var reason = RpcAssert.ErrorInfo(error).Reason;
            if (reason == "UPSTREAM_CIRCUIT_OPEN")
            {
                open = error;
                break;
            }
            Assert.Equal("UPSTREAM_UNAVAILABLE", reason);
            failed.Add(reason);
            Assert.True(failed.Count < 20, "the circuit did not open after 20 calls that each failed three times");
        }
        var sent = await _emulator.RequestTotalAsync() - before;
        output.WriteLine($"the circuit opened after {failed.Count} calls failed with UPSTREAM_UNAVAILABLE; {sent} requests reached the emulator");
        // The breaker's window held the first call's success and three calls of three failed attempts: 10 outcomes,
        // the minimum throughput, 90 % of them failed. (The emulator may count more if the HTTP handler resent one
        // itself on a new connection.)
        Assert.Equal(3, failed.Count);
        Assert.True(sent >= 9, $"only {sent} upstream requests before the circuit opened");
        AssertOpenCircuit(open);

        // Open: calls are refused without a request upstream. A refused call whose RetryInfo is nearly spent ends the
        // loop, so no call here becomes the half-open probe.
        var latencies = new List<double>();
        var refused = new List<RpcException>();
        while (refused.Count < 100)
        {
            var clock = Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<RpcException>(() => files.ListFilesAsync(list).ResponseAsync);
            latencies.Add(clock.Elapsed.TotalMilliseconds);
            AssertOpenCircuit(error);
            refused.Add(error);
            if (RetryDelay(error) < TimeSpan.FromMilliseconds(300))
            {
                break;
            }
        }
        Assert.Equal(before + sent, await _emulator.RequestTotalAsync());
        latencies.Sort();
        output.WriteLine(FormattableString.Invariant(
            $"{refused.Count} calls refused while open: p50 {Percentile(latencies, 0.50):F2} ms, p99 {Percentile(latencies, 0.99):F2} ms, max {latencies[^1]:F2} ms (client round trip)"));
        Assert.True(refused.Count >= 10, $"only {refused.Count} calls fitted in the break of {BreakDuration}");

        // Recovery: the upstream answers again; once the break has passed, the next call is the probe, and it closes the circuit.
        await _emulator.ClearFaultsAsync();
        var waited = Stopwatch.StartNew();
        ListFilesResponse? answer = null;
        while (answer is null)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "the circuit did not close within 30 s of recovery");
            try
            {
                answer = await files.ListFilesAsync(list);
            }
            catch (RpcException error)
            {
                AssertOpenCircuit(error);
                await Task.Delay(RetryDelay(error) + TimeSpan.FromMilliseconds(10));
            }
        }
        Assert.Equal(before + sent + 1, await _emulator.RequestTotalAsync());
        await files.ListFilesAsync(list);

        // Each change of state is logged once: opened (41), half-open (42), closed (43), in that order.
        await Poll.UntilAsync(() => _server.Output.Contains("UpstreamResilience[43]", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        var changes = StateChange().Matches(_server.Output).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["41", "42", "43"], changes);
        Assert.Contains($"The upstream circuit opened: calls fail fast with UNAVAILABLE for {BreakDuration.TotalSeconds} s", _server.Output, StringComparison.Ordinal);
    }

    /// <summary>UNAVAILABLE, the façade's reason, a RetryInfo no longer than the break, and the same wait as the pushback trailer.</summary>
    private static void AssertOpenCircuit(RpcException error)
    {
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        var info = RpcAssert.ErrorInfo(error);
        Assert.Equal(("uploadsgrpc", "UPSTREAM_CIRCUIT_OPEN"), (info.Domain, info.Reason));
        var delay = RetryDelay(error);
        Assert.InRange(delay, TimeSpan.FromTicks(1), BreakDuration);
        var pushback = error.Trailers.GetValue("grpc-retry-pushback-ms");
        Assert.Equal(((long)Math.Ceiling(delay.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture), pushback);
    }

    private static TimeSpan RetryDelay(RpcException error) =>
        (RpcAssert.Detail<RetryInfo>(error) ?? throw new Xunit.Sdk.XunitException("no RetryInfo")).RetryDelay.ToTimeSpan();

    private static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(p * sorted.Count) - 1)];

    [GeneratedRegex(@"UploadsGrpc\.Server\.Upstream\.UpstreamResilience\[(4[123])\]")]
    private static partial Regex StateChange();
}
