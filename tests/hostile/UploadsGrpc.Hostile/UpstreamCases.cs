using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using UploadsGrpc.V1;
using static UploadsGrpc.Hostile.CaseContext;

namespace UploadsGrpc.Hostile;

/// <summary>
/// Upstream-side cases: what an upstream (or something posing as it) can answer. Every status of README's error table
/// keeps its mapping; a 2xx body that is not the promised JSON is INTERNAL UPSTREAM_INVALID_RESPONSE; hangs, trickles,
/// redirects, resets and hostile headers and texts get their contract's answers, and the key goes nowhere.
/// </summary>
internal static class UpstreamCases
{
    private const string Api = "api.openai.com";

    private static Task<Outcome> Call(CaseContext c, string rpc) => rpc switch
    {
        "create" => c.Unary(o => c.Uploads.CreateUploadAsync(c.Create(), o)),
        "part" => c.Unary(o => c.Uploads.AddUploadPartAsync(new AddUploadPartRequest { UploadId = c.UploadId, Data = ByteString.CopyFromUtf8("{\"a\":1}\n") }, o)),
        "complete" => c.Unary(o => c.Uploads.CompleteUploadAsync(new CompleteUploadRequest { UploadId = c.UploadId, PartIds = { "part_" + c.Tag } }, o)),
        "cancel" => c.Unary(o => c.Uploads.CancelUploadAsync(new CancelUploadRequest { UploadId = c.UploadId }, o)),
        "get" => c.Unary(o => c.Files.GetFileAsync(new GetFileRequest { FileId = c.FileId }, o)),
        "list" => c.Unary(o => c.Files.ListFilesAsync(new ListFilesRequest { PurposeValue = c.Tag }, o)),
        "delete" => c.Unary(o => c.Files.DeleteFileAsync(new DeleteFileRequest { FileId = c.FileId }, o)),
        "download" => c.Download(new DownloadFileRequest { FileId = c.FileId }),
        "uploadfile" => c.UploadFile([Meta(c.Metadata(8)), Chunk(8)]),
        _ => throw new ArgumentOutOfRangeException(nameof(rpc)),
    };

    /// <summary>The upstream route a call of <paramref name="rpc"/> is scripted on.</summary>
    private static string RouteOf(string rpc) => rpc switch { "download" => "content", "uploadfile" => "part", _ => rpc };

    public static string Error(string? message, string? type, string? param = null, string? code = null) =>
        JsonSerializer.Serialize(new Dictionary<string, Dictionary<string, string?>> { ["error"] = new() { ["message"] = message, ["type"] = type, ["param"] = param, ["code"] = code } });

    private static Case Answer(string id, string rpc, int status, string body, Expect expect, string contentType = "application/json", params (string, string)[] headers) =>
        new(id, c =>
        {
            c.On(RouteOf(rpc), e => e.RespondAsync(status, body.Replace("{tag}", c.Tag, StringComparison.Ordinal), contentType, [HostileUpstream.RequestId(c.Tag), .. headers]));
            return Call(c, rpc);
        }, expect);

    private static Case Scripted(string id, string rpc, Func<CaseContext, UpstreamExchange, Task> script, Expect expect, string? route = null) =>
        new(id, c =>
        {
            c.On(route ?? RouteOf(rpc), e => script(c, e));
            return Call(c, rpc);
        }, expect);

    private static Expect Table(StatusCode code, string reason) => new(code, reason, Api);

    private static Expect InvalidResponse() => new(StatusCode.Internal, "UPSTREAM_INVALID_RESPONSE") { MetadataKey = "http_status", Retry = false, NoStackTrace = true };

    public static List<Case> All(HostileUpstream elsewhere)
    {
        var cases = new List<Case>();

        // README's error table, every row.
        foreach (var (name, rpc, status, body, type, code, reason) in new (string, string, int, string, string, StatusCode, string)[]
        {
            ("400-param", "create", 400, Error("'world' is not one of ['batch'] - 'purpose'", "invalid_request_error", "purpose"), "application/json", StatusCode.InvalidArgument, "INVALID_REQUEST_ERROR"),
            ("401", "cancel", 401, Error("Incorrect API key provided: sk-hostile-K3yZ9qW7-0123456789abcdefSECRETtail.", "invalid_request_error", null, "invalid_api_key"), "application/json", StatusCode.Unauthenticated, "INVALID_API_KEY"),
            ("403", "part", 403, Error("Country, region, or territory not supported", "request_forbidden", null, "unsupported_country_region_territory"), "application/json", StatusCode.PermissionDenied, "UNSUPPORTED_COUNTRY_REGION_TERRITORY"),
            ("404", "get", 404, Error("No such File object: file_x", "invalid_request_error", "id"), "application/json", StatusCode.NotFound, "INVALID_REQUEST_ERROR"),
            ("404-download-content", "download", 404, Error("No such content", "invalid_request_error"), "application/json", StatusCode.NotFound, "INVALID_REQUEST_ERROR"),
            ("408-empty", "complete", 408, "", "", StatusCode.DeadlineExceeded, "HTTP_408"),
            ("409", "complete", 409, Error("The upload is already being completed.", "invalid_request_error", null, "conflict"), "application/json", StatusCode.Aborted, "CONFLICT"),
            ("413-html", "part", 413, "<html><body><h1>413 Request Entity Too Large</h1></body></html>", "text/html", StatusCode.InvalidArgument, "HTTP_413"),
            ("422", "create", 422, Error("mime_type text/x-unknown is not supported", "invalid_request_error", "mime_type"), "application/json", StatusCode.InvalidArgument, "INVALID_REQUEST_ERROR"),
            ("429", "cancel", 429, Error("You exceeded your current quota.", "insufficient_quota"), "application/json", StatusCode.ResourceExhausted, "INSUFFICIENT_QUOTA"),
            ("418-other-4xx", "cancel", 418, "I'm a teapot", "text/plain", StatusCode.FailedPrecondition, "HTTP_418"),
            ("451-other-4xx", "list", 451, Error("Unavailable for legal reasons", "legal_block"), "application/json", StatusCode.FailedPrecondition, "LEGAL_BLOCK"),
            ("500", "complete", 500, Error("The server had an error while processing your request.", "server_error"), "application/json", StatusCode.Internal, "SERVER_ERROR"),
            ("501", "cancel", 501, Error("Not implemented", "invalid_request_error"), "application/json", StatusCode.Unimplemented, "INVALID_REQUEST_ERROR"),
            ("502-html", "cancel", 502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html", StatusCode.Unavailable, "HTTP_502"),
            ("503", "create", 503, Error("The engine is currently overloaded.", "server_error"), "application/json", StatusCode.Unavailable, "SERVER_ERROR"),
            ("504-empty", "delete", 504, "", "", StatusCode.DeadlineExceeded, "HTTP_504"),
            ("507-other-5xx", "part", 507, Error("Insufficient storage", "server_error"), "application/json", StatusCode.Internal, "SERVER_ERROR"),
            ("599-other-5xx-empty", "get", 599, "", "", StatusCode.Internal, "HTTP_599"),
        })
        {
            var expect = status == 429 ? Table(code, reason) with { Retry = true, RetryMin = TimeSpan.FromSeconds(1), RetryMax = TimeSpan.FromSeconds(1) } : Table(code, reason);
            cases.Add(Answer($"upstream/status/{name}", rpc, status, body, expect, type).Check((c, o) =>
                o.Text("x-request-id") == c.RequestId ? null : $"x-request-id trailer {o.Text("x-request-id") ?? "missing"}, expected {c.RequestId}"));
        }

        // Retry-After and retry-after-ms on a 429 (and a 503): ignored when unreadable, clamped when huge.
        var rateLimited = Error("Rate limit reached for requests", "requests", null, "rate_limit_exceeded");
        var hour = TimeSpan.FromHours(1);
        foreach (var (name, header, value, min, max) in new (string, string, string, TimeSpan, TimeSpan)[]
        {
            ("seconds", "Retry-After", "7", TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(7)),
            ("http-date", "Retry-After", "{date+30}", TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(31)),
            ("1e300", "Retry-After", "1e300", hour - TimeSpan.FromMinutes(1), hour),
            ("int64-max", "Retry-After", long.MaxValue.ToString(CultureInfo.InvariantCulture), hour - TimeSpan.FromMinutes(1), hour),
            ("negative", "Retry-After", "-5", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)),
            ("garbage", "Retry-After", "soon, maybe", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)),
            ("nan", "Retry-After", "NaN", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)),
            ("ms-1e15", "retry-after-ms", "1e15", hour - TimeSpan.FromMinutes(1), hour),
            ("ms-250", "retry-after-ms", "250", TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250)),
            ("ms-negative", "retry-after-ms", "-1", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)),
            ("ms-garbage", "retry-after-ms", "0x10", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)),
        })
        {
            cases.Add(new Case($"upstream/retry-after/429-{name}", c =>
            {
                var v = value == "{date+30}" ? DateTimeOffset.UtcNow.AddSeconds(30).ToString("r", CultureInfo.InvariantCulture) : value;
                c.On("part", e => e.RespondAsync(429, rateLimited, "application/json", (header, v)));
                return Call(c, "part");
            }, Table(StatusCode.ResourceExhausted, "RATE_LIMIT_EXCEEDED") with { Retry = true, RetryMin = min, RetryMax = max }));
        }
        var overloaded = Error("The engine is currently overloaded.", "server_error");
        cases.Add(Answer("upstream/retry-after/503-1e300", "cancel", 503, overloaded, Table(StatusCode.Unavailable, "SERVER_ERROR") with { Retry = true, RetryMin = hour - TimeSpan.FromMinutes(1), RetryMax = hour }, "application/json", ("Retry-After", "1e300")));
        cases.Add(Answer("upstream/retry-after/503-garbage", "cancel", 503, overloaded, Table(StatusCode.Unavailable, "SERVER_ERROR") with { Retry = false }, "application/json", ("Retry-After", "later")));
        cases.Add(Scripted("upstream/retry-after/upload-file-part-429-ms-1e15-once-then-ok", "uploadfile",
            (c, e) => e.Attempt == 1 ? e.RespondAsync(429, rateLimited, "application/json", ("retry-after-ms", "1e15")) : e.HappyAsync(), new Expect(StatusCode.OK)));
        cases.Add(Scripted("upstream/retry-after/upload-file-part-429-ms-1e15-always", "uploadfile",
            (c, e) => e.RespondAsync(429, rateLimited, "application/json", ("retry-after-ms", "1e15")), Table(StatusCode.ResourceExhausted, "RATE_LIMIT_EXCEEDED") with { Retry = true })
            .Check(CancelledUpstream));
        cases.Add(Scripted("upstream/retry-after/upload-file-part-503-1e300-always", "uploadfile",
            (c, e) => e.RespondAsync(503, overloaded, "application/json", ("Retry-After", "1e300")), Table(StatusCode.Unavailable, "SERVER_ERROR"))
            .Check(CancelledUpstream));

        // 2xx bodies that are not the promised JSON.
        const string okUpload = """{"id":"upload_{tag}","object":"upload","bytes":8,"created_at":1719184911,"filename":"f.jsonl","purpose":"batch","status":"pending","expires_at":1719188511}""";
        const string okFile = """{"id":"file_{tag}","object":"file","bytes":8,"created_at":1719186911,"filename":"f.jsonl","purpose":"batch","status":"processed"}""";
        foreach (var (name, rpc, body) in new (string, string, string)[]
        {
            ("create/bytes-as-string", "create", okUpload.Replace("\"bytes\":8", "\"bytes\":\"8\"", StringComparison.Ordinal)),
            ("create/id-as-number", "create", okUpload.Replace("\"id\":\"upload_{tag}\"", "\"id\":42", StringComparison.Ordinal)),
            ("create/id-null", "create", okUpload.Replace("\"id\":\"upload_{tag}\"", "\"id\":null", StringComparison.Ordinal)),
            ("create/json-null", "create", "null"),
            ("create/json-array", "create", "[]"),
            ("create/truncated", "create", okUpload[..60]),
            ("create/duplicate-id", "create", okUpload.Replace("{\"id\":\"upload_{tag}\"", "{\"id\":\"upload_{tag}\",\"id\":\"upload_other\"", StringComparison.Ordinal)),
            ("create/html", "create", "<html><body>Maintenance</body></html>"),
            ("create/empty", "create", ""),
            ("create/created-at-int64-max", "create", okUpload.Replace("1719184911", "9223372036854775807", StringComparison.Ordinal)),
            ("create/created-at-int64-min", "create", okUpload.Replace("1719184911", "-9223372036854775808", StringComparison.Ordinal)),
            ("create/created-at-year-10000", "create", okUpload.Replace("1719184911", "253402300800", StringComparison.Ordinal)),
            ("create/created-at-before-year-1", "create", okUpload.Replace("1719184911", "-62135596801", StringComparison.Ordinal)),
            ("create/expires-at-int64-max", "create", okUpload.Replace("1719188511", "9223372036854775807", StringComparison.Ordinal)),
            ("create/bytes-1e400", "create", okUpload.Replace("\"bytes\":8", "\"bytes\":1e400", StringComparison.Ordinal)),
            ("create/bytes-past-int64", "create", okUpload.Replace("\"bytes\":8", "\"bytes\":99999999999999999999", StringComparison.Ordinal)),
            ("create/bytes-fraction", "create", okUpload.Replace("\"bytes\":8", "\"bytes\":8.5", StringComparison.Ordinal)),
            ("create/status-as-number", "create", okUpload.Replace("\"status\":\"pending\"", "\"status\":3", StringComparison.Ordinal)),
            ("create/deep-nesting", "create", okUpload.TrimEnd('}') + ",\"x\":" + new string('[', 5000) + new string(']', 5000) + "}"),
            ("part/id-null", "part", """{"id":null,"object":"upload.part","created_at":1719185911,"upload_id":"upload_{tag}"}"""),
            ("complete/file-as-string", "complete", okUpload.TrimEnd('}') + ",\"file\":\"file_{tag}\"}"),
            ("complete/file-created-at-int64-max", "complete", okUpload.TrimEnd('}') + ",\"file\":" + okFile.Replace("1719186911", "9223372036854775807", StringComparison.Ordinal) + "}"),
            ("get/created-at-int64-max", "get", okFile.Replace("1719186911", "9223372036854775807", StringComparison.Ordinal)),
            ("get/bytes-negative-huge", "get", okFile.Replace("\"bytes\":8", "\"bytes\":-9223372036854775809", StringComparison.Ordinal)),
            ("list/data-null", "list", """{"object":"list","data":null,"has_more":false}"""),
            ("list/data-holds-null", "list", """{"object":"list","data":[null],"has_more":false}"""),
            ("list/data-object", "list", """{"object":"list","data":{},"has_more":false}"""),
            ("list/data-missing", "list", """{"object":"list","has_more":false}"""),
            ("delete/deleted-as-string", "delete", """{"id":"file_{tag}","object":"file","deleted":"yes"}"""),
            ("delete/id-null", "delete", """{"id":null,"object":"file","deleted":true}"""),
        })
        {
            cases.Add(Answer($"upstream/2xx/{name}", rpc, 200, body, InvalidResponse(), name.EndsWith("html", StringComparison.Ordinal) ? "text/html" : "application/json"));
        }
        cases.Add(Scripted("upstream/2xx/create/non-utf8", "create", (c, e) =>
            e.RespondAsync(200, [.. Encoding.UTF8.GetBytes(okUpload.Replace("{tag}", c.Tag, StringComparison.Ordinal)[..20]), 0xFF, 0xFE, 0xC3, 0x28, .. Encoding.UTF8.GetBytes("\"}")]), InvalidResponse()));
        cases.Add(Scripted("upstream/2xx/get/50MB-body", "get", async (c, e) =>
        {
            e.Context.Response.StatusCode = 200;
            e.Context.Response.ContentType = "application/json";
            var head = Encoding.ASCII.GetBytes($"{{\"id\":\"file_{c.Tag}\",\"object\":\"file\",\"bytes\":8,\"filename\":\"");
            await e.Context.Response.Body.WriteAsync(head);
            var block = Encoding.ASCII.GetBytes(new string('a', 1_000_000));
            for (var i = 0; i < 50; i++)
            {
                await e.Context.Response.Body.WriteAsync(block, e.Context.RequestAborted);
            }
            await e.Context.Response.Body.WriteAsync(Encoding.ASCII.GetBytes("\"}"), e.Context.RequestAborted);
        }, InvalidResponse()));
        cases.Add(Scripted("upstream/status/500-50MB-error-body", "cancel", async (c, e) =>
        {
            e.Context.Response.StatusCode = 500;
            e.Context.Response.ContentType = "application/json";
            await e.Context.Response.Body.WriteAsync(Encoding.ASCII.GetBytes("{\"error\":{\"type\":\"server_error\",\"message\":\""));
            var block = Encoding.ASCII.GetBytes(new string('m', 1_000_000));
            for (var i = 0; i < 50; i++)
            {
                await e.Context.Response.Body.WriteAsync(block, e.Context.RequestAborted);
            }
            await e.Context.Response.Body.WriteAsync(Encoding.ASCII.GetBytes("\"}}"), e.Context.RequestAborted);
        }, Table(StatusCode.Internal, "SERVER_ERROR") with { OrReasons = ["HTTP_500"] }));
        cases.Add(Answer("upstream/2xx/create/created-at-9999-12-31-ok", "create", 200, okUpload.Replace("1719184911", "253402300799", StringComparison.Ordinal), new Expect(StatusCode.OK)));
        cases.Add(Answer("upstream/2xx/create/created-at-zero-ok", "create", 200, okUpload.Replace("1719184911", "0", StringComparison.Ordinal), new Expect(StatusCode.OK)));
        cases.Add(Answer("upstream/2xx/get/unknown-fields-ok", "get", 200, okFile.Replace("\"status\":\"processed\"", "\"status\":\"some_new_status\"", StringComparison.Ordinal).TrimEnd('}') + ",\"new_field\":{\"a\":[1,2,{\"b\":null}]}}", new Expect(StatusCode.OK)));

        // Hangs and trickles (Upstream:RequestTimeout 3 s, Upstream:BodyIdleTimeout 2 s in this run).
        var timeout = new Expect(StatusCode.DeadlineExceeded, "UPSTREAM_TIMEOUT");
        cases.Add(Scripted("upstream/hang/before-headers", "cancel", (c, e) => e.HangAsync(), timeout).Check(Aborted("cancel")));
        cases.Add(new Case("upstream/hang/before-headers-caller-deadline-1s", c =>
        {
            c.On("get", e => e.HangAsync());
            return c.Raw("FileService/GetFile", RawGrpc.Frame(new GetFileRequest { FileId = c.FileId }.ToByteArray()), headers: [("grpc-timeout", "1S")]);
        }, new Expect(StatusCode.DeadlineExceeded, "DEADLINE_EXCEEDED") { InfoOptional = true }).Check(Aborted("get")));
        cases.Add(Scripted("upstream/trickle/json-body-forever", "create", (c, e) => Trickle(e, okUpload.Replace("{tag}", c.Tag, StringComparison.Ordinal), TimeSpan.FromMilliseconds(400)), timeout).Check(Aborted("create")));
        cases.Add(Scripted("upstream/trickle/json-body-stalls", "get", async (c, e) =>
        {
            e.Context.Response.StatusCode = 200;
            e.Context.Response.ContentType = "application/json";
            await e.Context.Response.Body.WriteAsync(Encoding.ASCII.GetBytes("{\"id\":\"file_"));
            await e.Context.Response.Body.FlushAsync();
            await e.HangAsync();
        }, timeout).Check(Aborted("get")));
        cases.Add(Scripted("upstream/trickle/download-stalls-mid-body", "download", async (c, e) =>
        {
            e.Context.Response.StatusCode = 200;
            e.Context.Response.ContentType = "application/octet-stream";
            e.Context.Response.ContentLength = 8;
            await e.Context.Response.Body.WriteAsync(Encoding.ASCII.GetBytes("cccc"));
            await e.Context.Response.Body.FlushAsync();
            await e.HangAsync();
        }, timeout).Check(Aborted("content")));
        cases.Add(Scripted("upstream/hang/download-content-before-headers", "download", (c, e) => e.HangAsync(), timeout).Check(Aborted("content")));
        cases.Add(new Case("upstream/trickle/download-under-the-bound-ok", c =>
        {
            c.Script(e => e.Route switch
            {
                "get" => e.RespondAsync(200, okFile.Replace("{tag}", c.Tag, StringComparison.Ordinal).Replace("\"bytes\":8", "\"bytes\":4", StringComparison.Ordinal)),
                "content" => Trickle(e, "cccc", TimeSpan.FromMilliseconds(900), "application/octet-stream", 4),
                _ => e.HappyAsync(),
            });
            return Call(c, "download");
        }, new Expect(StatusCode.OK)).Check((c, o) => o.Messages >= 2 ? null : $"{o.Messages} messages, expected the file and its bytes"));

        // Redirects: never followed, the other host receives nothing.
        foreach (var (rpc, status) in new (string, int)[] { ("cancel", 302), ("create", 307), ("get", 301), ("list", 303), ("delete", 308), ("download", 302) })
        {
            cases.Add(new Case($"upstream/redirect/{rpc}-{status}", c =>
            {
                c.On(RouteOf(rpc), e => e.RespondAsync(status, "", "", ("Location", new Uri(elsewhere.BaseUrl, e.Request.Target.TrimStart('/').Replace("v1/", "", StringComparison.Ordinal)).ToString()), HostileUpstream.RequestId(c.Tag)));
                return Call(c, rpc);
            }, InvalidResponse()).Check((c, o) => c.Elsewhere.For(c.Tag).Count == 0 ? null : "the redirect was followed to the other host"));
        }

        // Resets.
        var unavailable = new Expect(StatusCode.Unavailable, "UPSTREAM_UNAVAILABLE");
        cases.Add(Scripted("upstream/reset/before-headers", "cancel", (c, e) => Abort(e), unavailable));
        cases.Add(Scripted("upstream/reset/create-before-headers", "create", (c, e) => Abort(e), unavailable));
        cases.Add(Scripted("upstream/reset/mid-json-body", "get", async (c, e) =>
        {
            e.Context.Response.StatusCode = 200;
            e.Context.Response.ContentLength = 500;
            await e.Context.Response.Body.WriteAsync(Encoding.ASCII.GetBytes("{\"id\":\"file_" + c.Tag));
            await e.Context.Response.Body.FlushAsync();
            await Task.Delay(100);
            e.Context.Abort();
        }, unavailable));
        cases.Add(Scripted("upstream/reset/mid-download", "download", async (c, e) =>
        {
            e.Context.Response.StatusCode = 200;
            e.Context.Response.ContentLength = 8;
            await e.Context.Response.Body.WriteAsync(Encoding.ASCII.GetBytes("cccc"));
            await e.Context.Response.Body.FlushAsync();
            await Task.Delay(100);
            e.Context.Abort();
        }, unavailable));
        cases.Add(Scripted("upstream/reset/upload-file-part-once-then-ok", "uploadfile", (c, e) => e.Attempt == 1 ? Abort(e) : e.HappyAsync(), new Expect(StatusCode.OK)));

        // Hostile x-request-id: used only when 1-200 characters of 0x21-0x7E without the key; the status unchanged.
        foreach (var (name, rpc, status, id, kept) in new (string, string, int, string, bool)[]
        {
            ("non-ascii-on-200", "get", 200, "req-é-{tag}", false),
            ("non-ascii-on-404", "get", 404, "req-é-{tag}", false),
            ("20KB-on-200", "get", 200, "req-{tag}-" + new string('r', 20_000), false),
            ("20KB-on-429", "cancel", 429, "req-{tag}-" + new string('r', 20_000), false),
            ("tab-on-200", "get", 200, "req\t{tag}", false),
            ("space-on-200", "delete", 200, "req {tag}", false),
            ("key-on-200", "get", 200, "req-{tag}-" + Secret.Key, false),
            ("key-on-404", "cancel", 404, "req-{tag}-" + Secret.Key, false),
            ("200-chars-kept", "get", 200, "req-{tag}-{pad200}", true),
            ("201-chars-on-200", "get", 200, "req-{tag}-{pad201}", false),
            ("c1-control-on-200", "list", 200, "req-\u0085-{tag}", false),
            ("empty-on-200", "get", 200, "", false),
        })
        {
            var expect = status switch
            {
                404 => Table(StatusCode.NotFound, "INVALID_REQUEST_ERROR"),
                429 => Table(StatusCode.ResourceExhausted, "RATE_LIMIT_EXCEEDED"),
                _ => new Expect(StatusCode.OK),
            };
            cases.Add(new Case($"upstream/x-request-id/{name}", c =>
            {
                var value = Expand(id, c.Tag);
                c.On(RouteOf(rpc), async e =>
                {
                    if (status == 200)
                    {
                        e.Context.Response.OnStarting(() =>
                        {
                            e.Context.Response.Headers["x-request-id"] = value;
                            return Task.CompletedTask;
                        });
                        await e.HappyAsync();
                    }
                    else
                    {
                        await e.RespondAsync(status, status == 404 ? Error("No such object", "invalid_request_error") : rateLimited, "application/json", ("x-request-id", value));
                    }
                });
                return Call(c, rpc);
            }, expect with { RequestId = kept ? null : "" }).Check((c, o) =>
            {
                if (!kept)
                {
                    return null;
                }
                var want = Expand(id, c.Tag);
                return o.Text("x-request-id") == want ? null : $"x-request-id trailer {o.Text("x-request-id") ?? "missing"}, expected the 200-character id";
            }));
        }

        // The tag goes in first and the padding after, so an id is exactly as long as its case says.
        static string Expand(string id, string tag)
        {
            var value = id.Replace("{tag}", tag, StringComparison.Ordinal);
            foreach (var length in new[] { 200, 201 })
            {
                var marker = $"{{pad{length}}}";
                if (value.Contains(marker, StringComparison.Ordinal))
                {
                    value = value.Replace(marker, "", StringComparison.Ordinal).PadRight(length, 'r');
                }
            }
            return value;
        }

        // Hostile error texts: the key and bearer tokens redacted everywhere, texts bounded, reasons well-formed.
        var bearer = "Authorization: Bearer " + Secret.BearerToken;
        foreach (var (name, rpc, status, body, code, reason, others) in new (string, string, int, string, StatusCode, string?, string[])[]
        {
            ("message-quotes-key", "get", 400, Error("Your key " + Secret.Key + " is wrong", "invalid_request_error"), StatusCode.InvalidArgument, "INVALID_REQUEST_ERROR", []),
            ("message-quotes-bearer", "cancel", 400, Error("Header was " + bearer, "invalid_request_error"), StatusCode.InvalidArgument, "INVALID_REQUEST_ERROR", []),
            ("code-is-the-key", "cancel", 400, Error("bad", null, null, Secret.Key), StatusCode.InvalidArgument, null, []),
            ("type-quotes-key", "get", 403, Error("bad", "key " + Secret.Key), StatusCode.PermissionDenied, null, []),
            ("param-quotes-bearer", "create", 400, Error("bad " + bearer, "invalid_request_error", bearer), StatusCode.InvalidArgument, "INVALID_REQUEST_ERROR", []),
            ("message-2500-chars", "create", 400, Error(new string('m', 2500), "invalid_request_error", "purpose"), StatusCode.InvalidArgument, "INVALID_REQUEST_ERROR", []),
            ("message-60KB", "cancel", 400, Error(new string('m', 60_000), "invalid_request_error"), StatusCode.InvalidArgument, "INVALID_REQUEST_ERROR", []),
            ("message-2500-chars-with-key-at-the-end", "cancel", 401, Error(new string('m', 2500) + Secret.Key, "invalid_request_error", null, "invalid_api_key"), StatusCode.Unauthenticated, "INVALID_API_KEY", []),
            ("type-1000-chars", "get", 400, Error("bad", new string('t', 1000)), StatusCode.InvalidArgument, "HTTP_400", []),
            ("code-unicode", "get", 400, Error("bad", null, null, "naïve-côde"), StatusCode.InvalidArgument, null, []),
            ("code-100-chars", "get", 400, Error("bad", null, null, string.Concat(Enumerable.Repeat("ab_", 34))), StatusCode.InvalidArgument, "HTTP_400", []),
            ("message-control-chars", "cancel", 409, Error("line\u0000one\r\nline\u001btwo", "invalid_request_error", null, "conflict"), StatusCode.Aborted, "CONFLICT", []),
            ("429-quotes-key", "part", 429, Error("Rate limit for key " + Secret.Key, "requests", null, "rate_limit_exceeded"), StatusCode.ResourceExhausted, "RATE_LIMIT_EXCEEDED", []),
        })
        {
            cases.Add(Answer($"upstream/error-text/{name}", rpc, status, body, Table(code, reason!) with { Reason = reason }));
        }
        cases.Add(Scripted("upstream/error-text/message-non-utf8", "cancel", (c, e) =>
            e.RespondAsync(400, [.. Encoding.ASCII.GetBytes("{\"error\":{\"message\":\"bad "), 0xFF, 0xFE, 0xC3, 0x28, .. Encoding.ASCII.GetBytes("\",\"type\":null,\"code\":\"bad_thing\"}}")]),
            Table(StatusCode.InvalidArgument, "BAD_THING") with { OrReasons = ["HTTP_400"] }));
        cases.Add(Scripted("upstream/error-text/upload-file-part-quotes-key", "uploadfile", (c, e) =>
            e.RespondAsync(400, Error("Key " + Secret.Key + " and " + bearer, "invalid_request_error")),
            Table(StatusCode.InvalidArgument, "INVALID_REQUEST_ERROR")).Check(CancelledUpstream));
        return cases;
    }

    /// <summary>Cases for a server whose upstream refuses connections (nothing listens on its port).</summary>
    public static List<Case> Refused()
    {
        var unavailable = new Expect(StatusCode.Unavailable, "UPSTREAM_UNAVAILABLE");
        return
        [
            .. new[] { "create", "part", "complete", "cancel", "get", "list", "delete", "download", "uploadfile" }
                .Select(rpc => new Case($"upstream/refused/{rpc}", c => Call(c, rpc), unavailable)),
        ];
    }

    private static async Task Trickle(UpstreamExchange e, string body, TimeSpan every, string contentType = "application/json", long? length = null)
    {
        e.Context.Response.StatusCode = 200;
        e.Context.Response.ContentType = contentType;
        if (length is { } l)
        {
            e.Context.Response.ContentLength = l;
        }
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        try
        {
            foreach (var ch in body)
            {
                if (DateTime.UtcNow > until)
                {
                    break;
                }
                await e.Context.Response.Body.WriteAsync(new[] { (byte)ch }, e.Context.RequestAborted);
                await e.Context.Response.Body.FlushAsync(e.Context.RequestAborted);
                await Task.Delay(every, e.Context.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            e.Request.Aborted.TrySetResult();
        }
    }

    private static Task Abort(UpstreamExchange e)
    {
        e.Context.Abort();
        return Task.CompletedTask;
    }

    private static Func<CaseContext, Outcome, Task<string?>> Aborted(string route) => async (c, o) =>
    {
        var request = c.Requests(route).FirstOrDefault();
        if (request is null)
        {
            return $"no {route} request reached the upstream";
        }
        var done = await Task.WhenAny(request.Aborted.Task, Task.Delay(TimeSpan.FromSeconds(5)));
        return done == request.Aborted.Task ? null : $"the upstream {route} request (connection) was not released within 5 s";
    };

    private static async Task<string?> CancelledUpstream(CaseContext c, Outcome o)
    {
        if (c.Requests("create").Count == 0)
        {
            return null;
        }
        return await c.Upstream.WaitForAsync(c.Tag, "cancel", TimeSpan.FromSeconds(6)) is null ? "the upload was not cancelled upstream" : null;
    }
}
