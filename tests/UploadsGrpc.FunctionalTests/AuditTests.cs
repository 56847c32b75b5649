using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests;

/// <summary>
/// The audit trail and the secrets, as an operator reads them: the server process logging JSON to its console, one
/// event per mutating call, and no token or OpenAI key anywhere in what it printed.
/// </summary>
public sealed class AuditTests : IAsyncLifetime
{
    private const string AliceToken = "ugt-alice-Audit0123456789abcdef0123456789";
    private const string BobToken = "ugt-bob-Audit0123456789abcdef012345678901";
    private const string ServiceKey = "sk-test-audit-service-0123456789abcdefghij";
    private const string AliceOwnKey = "sk-test-audit-alice-0123456789abcdefghijk";

    private EmulatorProcess _emulator = null!;
    private ServerProcess _server = null!;

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorProcess.StartAsync();
        _server = await ServerProcess.Start("Production", new Dictionary<string, string>
        {
            ["OPENAI_BASE_URL"] = _emulator.ApiBase.AbsoluteUri,
            ["OPENAI_API_KEY"] = ServiceKey,
            ["ALICE_OPENAI_KEY"] = AliceOwnKey,
            ["Logging__Console__FormatterName"] = "json",
            // Everything the framework would log, so the scans below see the authentication handlers' lines too.
            ["Logging__LogLevel__Default"] = "Trace",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Trace",
            ["Auth__Mode"] = "ApiKeys",
            ["Auth__ApiKeys__0__Caller"] = "alice",
            ["Auth__ApiKeys__0__Sha256"] = CallersFixture.Sha256(AliceToken),
            ["Auth__ApiKeys__1__Caller"] = "bob",
            ["Auth__ApiKeys__1__Sha256"] = CallersFixture.Sha256(BobToken),
            ["Callers__Named__0__Name"] = "alice",
            ["Callers__Named__0__Project"] = "proj_alice",
            ["Callers__Named__0__ApiKeyVariable"] = "ALICE_OPENAI_KEY",
            ["Callers__Named__1__Name"] = "bob",
            ["Callers__Named__1__Groups__0"] = "files:read",
        }).ReadyAsync();
    }

    private GrpcChannel Channel(string? token) => Channel(token, _server.Address);

    private static GrpcChannel Channel(string? token, Uri address) => BearerChannel.Open(address, token);

    [Fact]
    public async Task Each_mutating_call_writes_one_JSON_audit_event_and_no_secret_reaches_the_log()
    {
        using var alice = Channel(AliceToken);
        using var bob = Channel(BobToken);
        using var nobody = Channel(null);
        var uploads = new UploadService.UploadServiceClient(alice);
        var files = new FileService.FileServiceClient(alice);

        var created = (await uploads.CreateUploadAsync(new CreateUploadRequest { Filename = "a.txt", Purpose = FilePurpose.Assistants, Bytes = 3, MimeType = "text/plain" })).Upload;
        var part = (await uploads.AddUploadPartAsync(new AddUploadPartRequest { UploadId = created.Id, Data = ByteString.CopyFromUtf8("abc") })).Part;
        var completed = (await uploads.CompleteUploadAsync(new CompleteUploadRequest { UploadId = created.Id, PartIds = { part.Id } })).Upload;
        using (var stream = new UploadFileCall(uploads))
        {
            await stream.WriteMetadataAsync(new UploadFileMetadata { Filename = "b.txt", Purpose = FilePurpose.Assistants, Bytes = 5, MimeType = "text/plain" });
            await stream.WriteAllAsync("hello"u8.ToArray());
            await stream.FinishAsync();
        }
        await files.ListFilesAsync(new ListFilesRequest());
        await files.DeleteFileAsync(new DeleteFileRequest { FileId = completed.File.Id });
        await RpcAssert.FailsAsync(StatusCode.PermissionDenied,
            () => new FileService.FileServiceClient(bob).DeleteFileAsync(new DeleteFileRequest { FileId = "file-of-someone" }).ResponseAsync);
        await RpcAssert.FailsAsync(StatusCode.Unauthenticated,
            () => new UploadService.UploadServiceClient(nobody).CancelUploadAsync(new CancelUploadRequest { UploadId = created.Id }).ResponseAsync);

        List<JsonElement> events = [];
        await Poll.UntilAsync(() => (events = AuditEvents()).Count >= 7, TimeSpan.FromSeconds(30));
        Assert.Equal(7, events.Count);
        var upload = State(events[0]);
        Assert.Equal(("alice", "/uploadsgrpc.v1.UploadService/CreateUpload", "OK"), (Text(upload, "Caller"), Text(upload, "Rpc"), Text(upload, "Status")));
        Assert.Equal(created.Id, Text(upload, "UploadId"));
        Assert.Equal(3, upload.GetProperty("Bytes").GetInt64());
        Assert.StartsWith("req_", Text(upload, "UpstreamRequestId"), StringComparison.Ordinal);
        Assert.Equal(20, events[0].GetProperty("EventId").GetInt32());

        var addPart = State(events[1]);
        Assert.Equal(("/uploadsgrpc.v1.UploadService/AddUploadPart", created.Id, 3L), (Text(addPart, "Rpc"), Text(addPart, "UploadId"), addPart.GetProperty("Bytes").GetInt64()));
        var complete = State(events[2]);
        Assert.Equal(("/uploadsgrpc.v1.UploadService/CompleteUpload", created.Id, completed.File.Id), (Text(complete, "Rpc"), Text(complete, "UploadId"), Text(complete, "FileId")));
        var uploadFile = State(events[3]);
        Assert.Equal(("/uploadsgrpc.v1.UploadService/UploadFile", "OK", 5L), (Text(uploadFile, "Rpc"), Text(uploadFile, "Status"), uploadFile.GetProperty("Bytes").GetInt64()));
        Assert.StartsWith("upload_", Text(uploadFile, "UploadId"), StringComparison.Ordinal);
        Assert.StartsWith("file-", Text(uploadFile, "FileId"), StringComparison.Ordinal);
        var delete = State(events[4]);
        Assert.Equal(("/uploadsgrpc.v1.FileService/DeleteFile", completed.File.Id, "OK"), (Text(delete, "Rpc"), Text(delete, "FileId"), Text(delete, "Status")));
        var denied = State(events[5]);
        Assert.Equal(("bob", "PermissionDenied", "file-of-someone"), (Text(denied, "Caller"), Text(denied, "Status"), Text(denied, "FileId")));
        Assert.Equal(JsonValueKind.Null, denied.GetProperty("UpstreamRequestId").ValueKind);
        var anonymous = State(events[6]);
        Assert.Equal(("", "/uploadsgrpc.v1.UploadService/CancelUpload", "Unauthenticated"), (Text(anonymous, "Caller"), Text(anonymous, "Rpc"), Text(anonymous, "Status")));

        foreach (var secret in new[] { AliceToken, BobToken, ServiceKey, AliceOwnKey })
        {
            Assert.DoesNotContain(secret, _server.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Every_line_is_one_JSON_object_and_a_calls_lines_carry_its_trace_span_RPC_caller_ids_and_upstream_request_id()
    {
        using var alice = Channel(AliceToken);
        var uploads = new UploadService.UploadServiceClient(alice);
        const string missing = "upload_logs_missing_0123456789";
        var failure = await RpcAssert.FailsAsync(StatusCode.NotFound,
            () => uploads.CancelUploadAsync(new CancelUploadRequest { UploadId = missing }).ResponseAsync);
        var requestId = failure.Trailers.GetValue("x-request-id");
        Assert.StartsWith("req_", requestId, StringComparison.Ordinal);

        // The call's failure (event 2) and its audit event (20), each with the call's scopes.
        JsonElement failed = default, audited = default;
        await Poll.UntilAsync(() =>
        {
            var events = LogEvents();
            failed = events.FirstOrDefault(e => EventOf(e) == 2 && e.GetProperty("Message").GetString()!.Contains("CancelUpload", StringComparison.Ordinal));
            audited = events.FirstOrDefault(e => EventOf(e) == 20 && Text(e.GetProperty("State"), "UploadId") == missing);
            return failed.ValueKind == JsonValueKind.Object && audited.ValueKind == JsonValueKind.Object;
        }, TimeSpan.FromSeconds(30));

        foreach (var line in new[] { failed, audited })
        {
            var scopes = line.GetProperty("Scopes").EnumerateArray().ToList();
            var trace = Assert.Single(scopes, s => s.TryGetProperty("TraceId", out _));
            Assert.Matches("^[0-9a-f]{32}$", Text(trace, "TraceId"));
            Assert.Matches("^[0-9a-f]{16}$", Text(trace, "SpanId"));
            var call = Assert.Single(scopes, s => s.TryGetProperty("Rpc", out _));
            Assert.Equal("uploadsgrpc.v1.UploadService/CancelUpload", Text(call, "Rpc"));
            Assert.Equal("alice", Text(call, "Caller"));
            Assert.Equal(missing, Text(call, "UploadId"));
            Assert.Equal(requestId, Text(call, "UpstreamRequestId"));
        }
        // Both lines belong to the one call.
        Assert.Equal(TraceOf(failed), TraceOf(audited));

        // Every line of the output is one JSON object; nothing else is printed.
        var lines = _server.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        Assert.All(lines, line => Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(line).RootElement.ValueKind));
        foreach (var secret in new[] { AliceToken, ServiceKey, AliceOwnKey })
        {
            Assert.DoesNotContain(secret, _server.Output, StringComparison.Ordinal);
        }
    }

    private List<JsonElement> LogEvents() =>
    [
        .. _server.StandardOutput.Split('\n')
            .Where(line => line.StartsWith('{'))
            .Select(line => JsonDocument.Parse(line).RootElement.Clone()),
    ];

    private static int EventOf(JsonElement logEvent) => logEvent.GetProperty("EventId").GetInt32();

    private static string? TraceOf(JsonElement logEvent) =>
        Text(logEvent.GetProperty("Scopes").EnumerateArray().Single(s => s.TryGetProperty("TraceId", out _)), "TraceId");

    [Fact]
    public async Task Refused_and_admitted_credentials_reach_no_log_line_even_at_Trace()
    {
        using var issuer = new JwtIssuer("https://issuer.audit.test/");
        var directory = Directory.CreateTempSubdirectory("uploadsgrpc-audit-").FullName;
        var good = issuer.Mint("uploadsgrpc", new Dictionary<string, object> { ["sub"] = "traced" });
        var expired = issuer.Mint("uploadsgrpc", new Dictionary<string, object> { ["sub"] = "traced" },
            token => (token.NotBefore, token.Expires) = (DateTime.UtcNow.AddHours(-2), DateTime.UtcNow.AddHours(-1)));
        var foreign = issuer.Mint("someone-else", new Dictionary<string, object> { ["sub"] = "traced" });
        var unsigned = issuer.MintUnsigned("uploadsgrpc", "traced");
        try
        {
            using var jwt = await ServerProcess.Start("Production", new Dictionary<string, string>
            {
                ["OPENAI_BASE_URL"] = _emulator.ApiBase.AbsoluteUri,
                ["OPENAI_API_KEY"] = ServiceKey,
                ["Logging__LogLevel__Default"] = "Trace",
                ["Logging__LogLevel__Microsoft.AspNetCore"] = "Trace",
                ["Logging__LogLevel__Microsoft.AspNetCore.Server.Kestrel.Connections"] = "Trace",
                ["Auth__Mode"] = "Jwt",
                ["Auth__Jwt__JwksPath"] = issuer.WriteJwks(directory),
                ["Auth__Jwt__Issuer"] = issuer.Issuer,
                ["Auth__Jwt__Audience"] = "uploadsgrpc",
                ["Callers__Default__Groups__0"] = "files:read",
            }).ReadyAsync();
            using (var admitted = Channel(good, jwt.Address))
            {
                await new FileService.FileServiceClient(admitted).ListFilesAsync(new ListFilesRequest());
            }
            foreach (var refused in new[] { expired, foreign, unsigned, AliceToken })
            {
                using var channel = Channel(refused, jwt.Address);
                await RpcAssert.FailsAsync(StatusCode.Unauthenticated,
                    () => new FileService.FileServiceClient(channel).ListFilesAsync(new ListFilesRequest()).ResponseAsync);
            }
            using (var wrongKey = Channel("ugt-wrong-Audit0123456789abcdef", _server.Address))
            {
                await RpcAssert.FailsAsync(StatusCode.Unauthenticated,
                    () => new FileService.FileServiceClient(wrongKey).ListFilesAsync(new ListFilesRequest()).ResponseAsync);
            }

            // The signature part alone is enough to replay nothing, but no part of a token may be logged.
            // The handlers' own failure lines are there to be scanned: the bearer handler logs each refused token.
            await Poll.UntilAsync(() => jwt.Output.Contains("Failed to validate the token", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            foreach (var token in new[] { good, expired, foreign, unsigned })
            {
                foreach (var part in token.Split('.').Where(p => p.Length > 0))
                {
                    Assert.DoesNotContain(part, jwt.Output, StringComparison.Ordinal);
                }
            }
            foreach (var secret in new[] { ServiceKey, AliceToken })
            {
                Assert.DoesNotContain(secret, jwt.Output, StringComparison.Ordinal);
            }
            await Poll.UntilAsync(() => _server.Output.Contains("was not authenticated", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            Assert.DoesNotContain("ugt-wrong-Audit0123456789abcdef", _server.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private List<JsonElement> AuditEvents() =>
    [
        .. _server.Output.Split('\n')
            .Where(line => line.StartsWith('{') && line.Contains("\"UploadsGrpc.Audit\"", StringComparison.Ordinal))
            .Select(line => JsonDocument.Parse(line).RootElement.Clone()),
    ];

    private static JsonElement State(JsonElement logEvent)
    {
        Assert.Equal("UploadsGrpc.Audit", logEvent.GetProperty("Category").GetString());
        Assert.Equal("Information", logEvent.GetProperty("LogLevel").GetString());
        return logEvent.GetProperty("State");
    }

    private static string? Text(JsonElement state, string name) => state.GetProperty(name).GetString();

    public async Task DisposeAsync()
    {
        _server.Dispose();
        _emulator.Dispose();
        await Task.CompletedTask;
    }
}
