using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Grpc.Core;
using UploadsGrpc.Hostile;

// tests/hostile/run.sh: UploadsGrpc.Hostile <UploadsGrpc.Server.dll> [artifacts directory]
if (args.Length < 1 || !File.Exists(args[0]))
{
    Console.Error.WriteLine("usage: UploadsGrpc.Hostile <path to the built UploadsGrpc.Server.dll> [directory for the server logs]");
    return 2;
}
return await Runner.RunAsync(Path.GetFullPath(args[0]), args.Length > 1 ? args[1] : null);

namespace UploadsGrpc.Hostile
{
    internal static partial class Runner
    {
        /// <summary>Bounds small enough to reach in a case (the defaults are 30 s and 10 min).</summary>
        private static readonly Dictionary<string, string> Bounds = new()
        {
            ["Streaming__IdleTimeout"] = "00:00:02",
            ["Upstream__BodyIdleTimeout"] = "00:00:02",
            ["Upstream__RequestTimeout"] = "00:00:03",
            ["Streaming__MemoryBudgetBytes"] = "134217728",
            ["Streaming__MemoryWait"] = "00:00:01",
            ["Upstream__RetryBaseDelay"] = "00:00:00.050",
            ["Upstream__MaxRetryDelay"] = "00:00:01",
            // A unary case is one hostile answer and what it becomes; the retries of upstream requests have tests of
            // their own. UploadFile's parts still retry (Streaming:PartAttempts).
            ["Upstream__MaxRetries"] = "0",
            // Cases stage upstream failures one after another against one server: an open circuit would carry
            // one case's failures into the next.
            ["Upstream__Breaker__MinimumThroughput"] = "1000000",
            ["Streaming__PartAttempts"] = "4",
            ["Streaming__CancelTimeout"] = "00:00:03",
        };

        public static async Task<int> RunAsync(string serverDll, string? artifacts)
        {
            var clock = Stopwatch.StartNew();
            await using var elsewhere = await HostileUpstream.StartAsync();
            await using var upstreamA = await HostileUpstream.StartAsync();
            await using var upstreamB = await HostileUpstream.StartAsync();
            using var serverA = await ServerUnderTest.StartAsync("client-side", serverDll, upstreamA.BaseUrl, Bounds, clock);
            using var serverB = await ServerUnderTest.StartAsync("upstream-side", serverDll, upstreamB.BaseUrl, Bounds, clock);
            using var serverC = await ServerUnderTest.StartAsync("refused-upstream", serverDll, new Uri($"http://127.0.0.1:{ClosedPort()}/v1/"), Bounds, clock);

            var clientCases = ClientCases.All(elsewhere);
            var upstreamCases = UpstreamCases.All(elsewhere);
            var refusedCases = UpstreamCases.Refused();
            var n = 0;
            foreach (var c in clientCases.Concat(upstreamCases).Concat(refusedCases))
            {
                c.Tag = $"hc{n++:D3}x";
            }
            Console.WriteLine($"hostile: {clientCases.Count} client-side cases (one at a time), {upstreamCases.Count + refusedCases.Count} upstream-side (concurrently)");

            // Client-side cases one at a time, so upstream requests and log lines without a tag belong to the case running.
            var clientRun = Task.Run(async () =>
            {
                var results = new List<CaseResult>();
                foreach (var c in clientCases)
                {
                    // A channel per case: a case that breaks its HTTP/2 connection must not take the next case with it.
                    using var channel = CaseContext.NewChannel(serverA.Address);
                    results.Add(await RunOneAsync(c, new CaseContext(c.Tag, serverA, upstreamA, elsewhere, channel), clock, exclusive: true));
                }
                return results;
            });
            var gate = new SemaphoreSlim(8);
            var upstreamRun = Task.WhenAll(upstreamCases.Select(c => (Case: c, Server: serverB)).Concat(refusedCases.Select(c => (Case: c, Server: serverC))).Select(async run =>
            {
                var (c, server) = run;
                await gate.WaitAsync();
                try
                {
                    using var channel = CaseContext.NewChannel(server.Address);
                    return await RunOneAsync(c, new CaseContext(c.Tag, server, upstreamB, elsewhere, channel), clock, exclusive: false);
                }
                finally
                {
                    gate.Release();
                }
            }));
            var all = new List<CaseResult>();
            all.AddRange(await clientRun);
            all.AddRange(await upstreamRun);

            // Whole-run invariants, each one more case.
            all.Add(Global("run/logs/no-secret", [.. serverA.Lines.Concat(serverB.Lines).Concat(serverC.Lines).Where(l => Secret.In(l.Text)).Take(3).Select(l => "secret in a log line: " + Cut(l.Text, 160))]));
            all.Add(Global("run/elsewhere/nothing", [.. elsewhere.Requests.Take(3).Select(r => $"the other host received {r.Method} {r.Target} (case {r.Tag})")]));
            foreach (var server in new[] { serverA, serverB, serverC })
            {
                var traces = server.Lines.Where(l => l.HasStackTrace).ToList();
                all.Add(Global($"run/{server.Name}/no-stack-traces", traces.Count == 0 ? [] : [$"{traces.Count} log lines hold a stack trace, first: {Example(traces[0])}"]));
                var errors = server.Lines.Where(l => l.Level is "Error" or "Critical").ToList();
                all.Add(Global($"run/{server.Name}/no-error-lines", errors.Count == 0 ? [] : [$"{errors.Count} log lines at Error or Critical, first: {Example(errors[0])}"]));
            }
            all.Add(Global("run/servers/up", [.. new[] { serverA, serverB, serverC }.Where(s => s.HasExited).Select(s => $"the {s.Name} server exited")]));

            if (artifacts is not null)
            {
                Directory.CreateDirectory(artifacts);
                await File.WriteAllLinesAsync(Path.Combine(artifacts, "hostile-server-client-side.log"), serverA.Lines.Select(l => l.Text));
                await File.WriteAllLinesAsync(Path.Combine(artifacts, "hostile-server-upstream-side.log"), serverB.Lines.Select(l => l.Text));
                await File.WriteAllLinesAsync(Path.Combine(artifacts, "hostile-server-refused-upstream.log"), serverC.Lines.Select(l => l.Text));
                await File.WriteAllLinesAsync(Path.Combine(artifacts, "hostile-outcomes.log"), all.Select(r => $"{(r.Problems.Count == 0 ? "ok  " : "FAIL")} {r.Case.Id} [{r.Case.Tag}]: {r.Outcome.Summary()}"));
            }
            var failed = all.Where(r => r.Problems.Count > 0).ToList();
            foreach (var r in failed)
            {
                Console.WriteLine($"FAIL {r.Case.Id}: {string.Join("; ", r.Problems)}");
            }
            Console.WriteLine($"hostile: took {clock.Elapsed.TotalSeconds:0} s");
            Console.WriteLine($"hostile: {all.Count} tried, {all.Count - failed.Count} precise, {failed.Count} failed");
            return failed.Count > 0 ? 1 : 0;
        }

        private static CaseResult Global(string id, List<string> problems) => new(new Case(id, _ => Task.FromResult(new Outcome()), new Expect(StatusCode.OK)), new Outcome(), problems);

        /// <summary>A loopback port that was free a moment ago: a connection to it is refused.</summary>
        private static int ClosedPort()
        {
            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }

        private static string Example(LogLine line)
        {
            var message = line.Text;
            try
            {
                using var json = System.Text.Json.JsonDocument.Parse(line.Text);
                message = json.RootElement.TryGetProperty("Message", out var m) ? m.GetString() ?? "" : line.Text;
            }
            catch (System.Text.Json.JsonException)
            {
            }
            return $"{line.Level} {line.Category}: {Cut(message, 100)}";
        }

        private static string Cut(string text, int length) => text.Length > length ? text[..length] + "…" : text;

        [GeneratedRegex("^[A-Z][A-Z0-9_]{0,61}[A-Z0-9]$")]
        private static partial Regex ReasonPattern();

        private static async Task<CaseResult> RunOneAsync(Case c, CaseContext context, Stopwatch clock, bool exclusive)
        {
            var started = clock.Elapsed;
            var upstreamFrom = context.Upstream.Now;
            Outcome outcome;
            try
            {
                outcome = await c.Run(context).WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                outcome = Outcome.Runner("the case did not finish within 30 s");
            }
            catch (Exception ex)
            {
                outcome = Outcome.Runner($"runner: {ex.GetType().Name}: {Cut(ex.Message, 200)}");
            }
            var problems = new List<string>();
            var e = c.Expect;

            if (e.Transport is { } transport)
            {
                var got = $"{outcome.Transport}{(outcome.Code is { } code ? " grpc-status " + (StatusCode)code : "")}";
                if (got != transport)
                {
                    problems.Add($"expected {transport}, got {got}");
                }
            }
            else if (outcome.Code != (int)e.Code)
            {
                problems.Add($"expected {e.Code}{(e.Reason is null ? "" : " " + e.Reason)}, got {outcome.Summary()}");
            }
            else if (e.Code != StatusCode.OK && outcome.Info is not { } info)
            {
                if (!e.InfoOptional)
                {
                    problems.Add($"{e.Code} without ErrorInfo (expected {e.Domain} {e.Reason})");
                }
            }
            else if (outcome.Info is { } present && e.Reason is not null)
            {
                if (present.Domain != e.Domain || (present.Reason != e.Reason && !e.OrReasons.Contains(present.Reason)))
                {
                    problems.Add($"expected ErrorInfo {e.Domain} {e.Reason}, got {present.Domain} {present.Reason}");
                }
            }
            if (outcome.Info is { } errorInfo)
            {
                if (!ReasonPattern().IsMatch(errorInfo.Reason))
                {
                    problems.Add($"ErrorInfo.reason \"{Cut(errorInfo.Reason, 80)}\" is not UPPER_SNAKE of at most 63 characters");
                }
                foreach (var (key, value) in errorInfo.Metadata)
                {
                    if (value.Length > 256)
                    {
                        problems.Add($"ErrorInfo metadata {key} holds {value.Length} characters (at most 256)");
                    }
                }
                if (e.MetadataKey is { } wanted && !errorInfo.Metadata.ContainsKey(wanted))
                {
                    problems.Add($"ErrorInfo metadata lacks {wanted}");
                }
            }
            if (outcome.Detail.Length > 1024)
            {
                problems.Add($"grpc-message holds {outcome.Detail.Length} characters (at most 1024)");
            }
            if (outcome.BadRequest is { } badRequest)
            {
                foreach (var violation in badRequest.FieldViolations.Where(v => v.Description.Length > 256))
                {
                    problems.Add($"BadRequest description of {Cut(violation.Field, 40)} holds {violation.Description.Length} characters (at most 256)");
                }
            }
            if (e.Field is { } field && outcome.Code == (int)e.Code && !(outcome.BadRequest?.FieldViolations.Any(v => v.Field == field) ?? false))
            {
                problems.Add($"no BadRequest naming {field} (got {string.Join(",", outcome.BadRequest?.FieldViolations.Select(v => v.Field) ?? ["none"])})");
            }
            if (e.Retry is { } retry && outcome.Code == (int)e.Code)
            {
                var delay = outcome.Retry?.RetryDelay?.ToTimeSpan();
                if (!retry && delay is not null)
                {
                    problems.Add($"a RetryInfo ({delay}) where none belongs");
                }
                else if (retry && (delay is null || delay < e.RetryMin || delay > e.RetryMax))
                {
                    problems.Add($"RetryInfo {(delay is null ? "missing" : delay.ToString())}, expected {e.RetryMin}..{e.RetryMax}");
                }
            }
            if (e.MessageContains is { } part && outcome.Code == (int)e.Code && !outcome.Detail.Contains(part, StringComparison.Ordinal))
            {
                problems.Add($"grpc-message does not name {part}: \"{Cut(outcome.Detail, 120)}\"");
            }
            if (e.RequestId is { } requestId)
            {
                var trailer = outcome.Text("x-request-id");
                if (requestId.Length == 0 && trailer is not null)
                {
                    problems.Add($"an x-request-id trailer ({Cut(trailer, 40)}, {trailer.Length} chars) where it must be left out");
                }
                else if (requestId.Length > 0 && trailer != requestId)
                {
                    problems.Add($"x-request-id trailer {(trailer is null ? "missing" : Cut(trailer, 40))}, expected {requestId}");
                }
                if (requestId.Length == 0 && outcome.Info?.Metadata.TryGetValue("request_id", out var inInfo) == true)
                {
                    problems.Add($"ErrorInfo metadata request_id ({Cut(inInfo, 40)}) where it must be left out");
                }
            }
            if (Secret.In(outcome.Detail))
            {
                problems.Add("the secret in grpc-message");
            }
            foreach (var (key, value) in outcome.Metadata)
            {
                if (Secret.In(value))
                {
                    problems.Add($"the secret in {key}");
                }
            }

            var health = await context.Server.HealthProblemAsync();
            if (health is not null)
            {
                problems.Add(health);
            }
            await Task.Delay(exclusive ? 150 : 300);
            var ended = clock.Elapsed;

            if (e.NoUpstream)
            {
                var reached = context.Upstream.Requests.Where(r => r.Tag == c.Tag || (exclusive && r.Tag is null && r.At >= upstreamFrom)).ToList();
                if (reached.Count > 0)
                {
                    problems.Add($"{reached.Count} upstream request(s) where validation must refuse first ({reached[0].Method} {Cut(reached[0].Target, 60)})");
                }
            }
            foreach (var check in c.Checks)
            {
                try
                {
                    if (await check(context, outcome) is { } problem)
                    {
                        problems.Add(problem);
                    }
                }
                catch (Exception ex)
                {
                    problems.Add($"check failed: {ex.GetType().Name}: {Cut(ex.Message, 120)}");
                }
            }

            var lines = exclusive
                ? context.Server.LinesBetween(started, ended)
                : [.. context.Server.Lines.Where(l => l.Text.Contains(c.Tag, StringComparison.Ordinal))];
            if (lines.FirstOrDefault(l => Secret.In(l.Text)) is { } leaked)
            {
                problems.Add("the secret in a log line: " + Cut(leaked.Text, 120));
            }
            if (e.QuietLog)
            {
                // The idle memory return runs on its own timer, whatever case is running: not the call's line.
                var own = lines.Where(l => l.Category.StartsWith("UploadsGrpc", StringComparison.Ordinal) && !l.Category.Contains("Audit", StringComparison.Ordinal)
                    && !l.Category.EndsWith("IdleMemoryReturn", StringComparison.Ordinal)).ToList();
                var loud = lines.Where(l => l.Level is "Warning" or "Error" or "Critical").ToList();
                if (loud.Count > 0)
                {
                    problems.Add($"{loud.Count} log line(s) at {loud[0].Level} ({loud[0].Category}), expected one at Information or Debug");
                }
                else if (own.Count != 1)
                {
                    problems.Add($"{own.Count} log lines of the service, expected one at Information or Debug");
                }
            }
            if ((e.NoStackTrace || e.QuietLog) && lines.FirstOrDefault(l => l.HasStackTrace) is { } traced)
            {
                problems.Add($"a stack trace in the log ({traced.Level} {traced.Category})");
            }
            return new CaseResult(c, outcome, problems);
        }
    }
}
