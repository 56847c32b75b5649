using System.Security.Cryptography;
using Google.Rpc;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests;

/// <summary>
/// Auth:Mode=Jwt on a real socket, the standalone emulator upstream: a token from the configured issuer, for this
/// audience, signed by a key of its JWKS (a file, or an authority's discovery document) admits the caller its
/// claim names; any other token is UNAUTHENTICATED with a reason and a message naming what was wrong, and no
/// refused call reaches the upstream.
/// </summary>
[Collection(ProcessTests.Name)]
public sealed class JwtTests(EmulatorUpstream upstream) : IClassFixture<EmulatorUpstream>, IDisposable
{
    private const string Issuer = "https://issuer.test/";
    private const string Audience = "uploadsgrpc";
    private const string Refused = "The call's credential was refused: ";

    /// <summary>A caller whose policy allows reading files only.</summary>
    private const string Reader = "reporting";

    private readonly JwtIssuer _issuer = new(Issuer);

    [Fact]
    public async Task A_valid_token_admits_the_caller_and_the_call_reaches_the_upstream()
    {
        using var host = Host();
        var token = _issuer.Mint(Audience, Subject("ingest"));

        var before = await upstream.RequestTotalAsync();
        var upload = await host.Uploads.CreateUploadAsync(Calls.ValidCreate(), Bearer(token));
        var files = await Files(host).ListFilesAsync(new ListFilesRequest(), Bearer(token));

        Assert.Equal(UploadStatus.Pending, upload.Upload.Status);
        Assert.StartsWith("upload_", upload.Upload.Id, StringComparison.Ordinal);
        Assert.NotNull(files);
        Assert.Equal(before + 2, await upstream.RequestTotalAsync());
    }

    [Fact]
    public async Task No_token_is_UNAUTHENTICATED_CREDENTIAL_MISSING()
    {
        using var host = Host();

        var (ex, info) = await upstream.RefusedAsync(StatusCode.Unauthenticated, "CREDENTIAL_MISSING",
            () => host.Uploads.CreateUploadAsync(Calls.ValidCreate()).ResponseAsync);

        Assert.Equal("The call carries no credential: send 'authorization: Bearer <token>'.", ex.Status.Detail);
        Assert.Equal("Jwt", info.Metadata["mode"]);
    }

    public static TheoryData<string, string> Wrong() => new()
    {
        { "issuer", "the token's issuer (iss) is not the one accepted." },
        { "audience", "the token's audience (aud) is not this service." },
        { "key", "the token's signature does not verify against the issuer's keys." },
        { "kid", "the token's signature does not verify against the issuer's keys." },
        { "expired", "the token has expired." },
        { "not-yet", "the token is not valid yet (nbf)." },
        { "no-exp", "the token has no expiry (exp)." },
        { "alg-none", "the token's signature does not verify against the issuer's keys." },
        // No key of the JWKS is an HMAC key, so IdentityModel finds none that verifies before it judges the algorithm.
        { "hs256", "the token's signature does not verify against the issuer's keys." },
        { "garbage", "the token is not a valid JWT." },
        { "no-sub", "it names no caller (no 'sub' claim)." },
    };

    [Theory]
    [MemberData(nameof(Wrong))]
    public async Task A_wrong_token_is_UNAUTHENTICATED_CREDENTIAL_INVALID_naming_the_problem(string wrong, string problem)
    {
        using var host = Host();
        using var other = new JwtIssuer(Issuer, keyId: wrong == "key" ? _issuer.KeyId : "other-key");
        var token = wrong switch
        {
            "issuer" => _issuer.Mint(Audience, Subject("ingest"), d => d.Issuer = "https://elsewhere.test/"),
            "audience" => _issuer.Mint("another-service", Subject("ingest")),
            // Another key under this issuer's key id: a forgery; and another key under its own id.
            "key" or "kid" => other.Mint(Audience, Subject("ingest")),
            // Past by a minute, far beyond the 2 s skew the host allows.
            "expired" => _issuer.Mint(Audience, Subject("ingest"), d =>
                (d.IssuedAt, d.NotBefore, d.Expires) = (DateTime.UtcNow.AddMinutes(-10), DateTime.UtcNow.AddMinutes(-10), DateTime.UtcNow.AddMinutes(-1))),
            "not-yet" => _issuer.Mint(Audience, Subject("ingest"), d =>
                (d.NotBefore, d.Expires) = (DateTime.UtcNow.AddMinutes(5), DateTime.UtcNow.AddMinutes(10))),
            "no-exp" => WithoutExpiry(),
            "alg-none" => _issuer.MintUnsigned(Audience, "ingest"),
            // A shared secret under the RSA key's id: the algorithm-confusion attack on a JWKS of public keys.
            "hs256" => _issuer.Mint(Audience, Subject("ingest"),
                new SigningCredentials(new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)) { KeyId = _issuer.KeyId }, SecurityAlgorithms.HmacSha256)),
            "garbage" => "not.a.jwt",
            "no-sub" => _issuer.Mint(Audience, new Dictionary<string, object> { ["client_id"] = "ingest" }),
            _ => throw new ArgumentOutOfRangeException(nameof(wrong), wrong, null),
        };

        var (ex, info) = await upstream.RefusedAsync(StatusCode.Unauthenticated, "CREDENTIAL_INVALID",
            () => host.Uploads.CreateUploadAsync(Calls.ValidCreate(), Bearer(token)).ResponseAsync);

        Assert.Equal(Refused + problem, ex.Status.Detail);
        Assert.Equal("Jwt", info.Metadata["mode"]);
        Assert.DoesNotContain(token, ex.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:02", false)]
    [InlineData(null, true)]
    public async Task Auth_Jwt_ClockSkew_is_how_long_past_its_expiry_a_token_still_works(string? skew, bool admitted)
    {
        // Expired ten seconds ago: past a 2 s skew, within the default 30 s.
        using var host = Host(new() { ["Auth:Jwt:ClockSkew"] = skew });
        var token = _issuer.Mint(Audience, Subject("ingest"), d =>
            (d.IssuedAt, d.NotBefore, d.Expires) = (DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddSeconds(-10)));

        if (admitted)
        {
            Assert.NotNull(await Files(host).ListFilesAsync(new ListFilesRequest(), Bearer(token)));
        }
        else
        {
            var (ex, _) = await upstream.RefusedAsync(StatusCode.Unauthenticated, "CREDENTIAL_INVALID",
                () => Files(host).ListFilesAsync(new ListFilesRequest(), Bearer(token)).ResponseAsync);
            Assert.Equal(Refused + "the token has expired.", ex.Status.Detail);
        }
    }

    [Fact]
    public async Task Streaming_calls_are_admitted_before_the_service_reads_a_message()
    {
        using var host = Host();
        var reader = Bearer(_issuer.Mint(Audience, Subject(Reader)));

        var (ex, _) = await upstream.RefusedAsync(StatusCode.Unauthenticated, "CREDENTIAL_MISSING", () => UploadFileAsync(host, default));
        Assert.Equal("The call carries no credential: send 'authorization: Bearer <token>'.", ex.Status.Detail);
        (_, var info) = await upstream.RefusedAsync(StatusCode.PermissionDenied, "RPC_NOT_ALLOWED", () => UploadFileAsync(host, reader));
        Assert.Equal(Reader, info.Metadata["caller"]);
        await upstream.RefusedAsync(StatusCode.Unauthenticated, "CREDENTIAL_MISSING", async () =>
        {
            using var download = Files(host).DownloadFile(new DownloadFileRequest { FileId = "file-abc123" });
            await download.ResponseStream.MoveNext();
        });
    }

    [Fact]
    public async Task The_sub_claim_names_the_caller_whose_policy_applies()
    {
        using var host = Host();
        var token = _issuer.Mint(Audience, Subject(Reader));

        var files = await Files(host).ListFilesAsync(new ListFilesRequest(), Bearer(token));
        Assert.NotNull(files);

        var (ex, info) = await upstream.RefusedAsync(StatusCode.PermissionDenied, "RPC_NOT_ALLOWED",
            () => host.Uploads.CreateUploadAsync(Calls.ValidCreate(), Bearer(token)).ResponseAsync);
        Assert.Equal($"The caller {Reader} may not call /uploadsgrpc.v1.UploadService/CreateUpload: it needs the group uploads:write.", ex.Status.Detail);
        Assert.Equal(Reader, info.Metadata["caller"]);
        Assert.Equal("uploads:write", info.Metadata["group"]);
    }

    [Fact]
    public async Task Auth_Jwt_CallerClaim_names_another_claim_as_the_caller()
    {
        using var host = Host(new() { ["Auth:Jwt:CallerClaim"] = "client_id" });
        // The sub is a caller that may do anything; the client_id is the reader, and it is the caller.
        var token = _issuer.Mint(Audience, new Dictionary<string, object> { ["sub"] = "ingest", ["client_id"] = Reader });

        var (ex, info) = await upstream.RefusedAsync(StatusCode.PermissionDenied, "RPC_NOT_ALLOWED",
            () => host.Uploads.CreateUploadAsync(Calls.ValidCreate(), Bearer(token)).ResponseAsync);
        Assert.Equal(Reader, info.Metadata["caller"]);
        Assert.Contains($"The caller {Reader} ", ex.Status.Detail, StringComparison.Ordinal);

        var withoutClaim = _issuer.Mint(Audience, Subject(Reader));
        (ex, _) = await upstream.RefusedAsync(StatusCode.Unauthenticated, "CREDENTIAL_INVALID",
            () => host.Uploads.CreateUploadAsync(Calls.ValidCreate(), Bearer(withoutClaim)).ResponseAsync);
        Assert.Equal(Refused + "it names no caller (no 'client_id' claim).", ex.Status.Detail);
    }

    [Fact]
    public async Task An_authority_supplies_the_keys_and_the_issuer_through_its_discovery_document()
    {
        // The discovery document names an issuer other than the authority's address; no Auth:Jwt:Issuer is set.
        using var discovered = new JwtIssuer("https://login.discovered.test/", _issuer.KeyId);
        await using var authority = await AuthorityAsync(discovered);
        var address = authority.Urls.Single().TrimEnd('/') + "/";
        using var host = new FacadeHost(upstream.Settings(new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "Jwt",
            // Jwt admits anyone the issuer knows, so a default policy allows nothing until it says what.
            ["Callers:Default:Groups:0"] = "uploads:write",
            ["Callers:Default:Groups:1"] = "files:read",
            ["Auth:Jwt:Authority"] = address,
            ["Auth:Jwt:RequireHttpsMetadata"] = "false",
            ["Auth:Jwt:Audience"] = Audience,
        }));

        var files = await Files(host).ListFilesAsync(new ListFilesRequest(), Bearer(discovered.Mint(Audience, Subject("ingest"))));
        Assert.NotNull(files);

        var (ex, _) = await upstream.RefusedAsync(StatusCode.Unauthenticated, "CREDENTIAL_INVALID",
            () => Files(host).ListFilesAsync(new ListFilesRequest(), Bearer(discovered.Mint(Audience, Subject("ingest"), d => d.Issuer = address))).ResponseAsync);
        Assert.Equal(Refused + "the token's issuer (iss) is not the one accepted.", ex.Status.Detail);

        // The right issuer and key id, but another key than the discovered JWKS holds.
        (ex, _) = await upstream.RefusedAsync(StatusCode.Unauthenticated, "CREDENTIAL_INVALID",
            () => Files(host).ListFilesAsync(new ListFilesRequest(), Bearer(_issuer.Mint(Audience, Subject("ingest"), d => d.Issuer = discovered.Issuer))).ResponseAsync);
        Assert.Equal(Refused + "the token's signature does not verify against the issuer's keys.", ex.Status.Detail);
    }

    [Fact]
    public async Task An_authority_that_cannot_be_reached_is_UNAVAILABLE_ISSUER_UNAVAILABLE_not_the_callers_fault()
    {
        using var host = new FacadeHost(upstream.Settings(new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "Jwt",
            // Jwt admits anyone the issuer knows, so a default policy allows nothing until it says what.
            ["Callers:Default:Groups:0"] = "uploads:write",
            ["Callers:Default:Groups:1"] = "files:read",
            ["Auth:Jwt:Authority"] = $"http://127.0.0.1:{LoopbackPort.Closed()}/",
            ["Auth:Jwt:RequireHttpsMetadata"] = "false",
            ["Auth:Jwt:Audience"] = Audience,
        }));
        var token = _issuer.Mint(Audience, Subject("ingest"));

        var (ex, info) = await upstream.RefusedAsync(StatusCode.Unavailable, "ISSUER_UNAVAILABLE",
            () => Files(host).ListFilesAsync(new ListFilesRequest(), Bearer(token)).ResponseAsync);

        Assert.Equal("The token could not be checked: the issuer's keys could not be fetched from Auth:Jwt:Authority. Retry later.", ex.Status.Detail);
        Assert.Equal("Jwt", info.Metadata["mode"]);
        Assert.Equal(1, RpcAssert.Detail<RetryInfo>(ex)!.RetryDelay.Seconds);
    }

    [Theory]
    [InlineData("Auth__Jwt__Audience=", "Auth:Jwt:Audience must be set: without it a token minted for any other service would be accepted.")]
    [InlineData("Auth__Jwt__JwksPath={missing}", "Auth:Jwt:JwksPath cannot be read.")]
    [InlineData("Auth__Jwt__JwksPath={not-jwks}", "Auth:Jwt:JwksPath is not a JWKS document ({\"keys\": [...]}).")]
    [InlineData("Auth__Jwt__JwksPath={no-keys}", "Auth:Jwt:JwksPath holds no signing key.")]
    [InlineData("Auth__Jwt__Issuer=", "Auth:Jwt:Issuer must be set with Auth:Jwt:JwksPath: there is no authority to learn it from.")]
    [InlineData("Auth__Jwt__JwksPath=", "Auth:Mode=Jwt needs Auth:Jwt:Authority (the issuer's URL) or Auth:Jwt:JwksPath (a JWKS file).")]
    [InlineData("Auth__Jwt__Authority=https://login.example.test/", "Auth:Jwt:Authority and Auth:Jwt:JwksPath are both set; set one, so there is one source of keys.")]
    [InlineData("Auth__Jwt__JwksPath=;Auth__Jwt__Authority=http://127.0.0.1:9/",
        "Auth:Jwt:Authority is http://; keys fetched in clear could be replaced on the way. Use https, or set Auth:Jwt:RequireHttpsMetadata=false for an issuer on loopback.")]
    [InlineData("Auth__Jwt__ClockSkew=00:10:00", "Auth:Jwt:ClockSkew must be between 00:00:00 and 00:05:00.")]
    public async Task A_Jwt_set_up_that_cannot_work_exits_non_zero_with_one_line_naming_the_setting(string changes, string expected)
    {
        var files = new Dictionary<string, string>
        {
            ["{missing}"] = Path.Combine(upstream.Directory, "missing.json"),
            ["{not-jwks}"] = Write("not-jwks.json", "not json"),
            ["{no-keys}"] = Write("no-keys.json", """{"keys": []}"""),
        };
        var variables = upstream.Emulator.UpstreamVariables();
        variables["Auth__Mode"] = "Jwt";
        variables["Auth__Jwt__JwksPath"] = _issuer.WriteJwks(upstream.Directory);
        variables["Auth__Jwt__Issuer"] = Issuer;
        variables["Auth__Jwt__Audience"] = Audience;
        foreach (var change in changes.Split(';'))
        {
            var (key, value) = (change[..change.IndexOf('=', StringComparison.Ordinal)], change[(change.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            variables[key] = files.GetValueOrDefault(value, value);
        }
        using var server = ServerProcess.Start("Production", variables);

        Assert.Equal(1, await server.ExitCodeAsync());
        var line = Assert.Single(server.Output.Split('\n'), l => l.StartsWith("UploadsGrpc cannot start: ", StringComparison.Ordinal));
        Assert.Equal($"UploadsGrpc cannot start: {expected}", line.TrimEnd('\r'));
    }

    [Fact]
    public async Task An_HS256_token_is_refused_even_when_the_JWKS_holds_its_shared_key()
    {
        // A JWKS beside the issuer's RSA key also holds a symmetric (oct) key: a token signed with that shared
        // secret must not pass, whoever learned it. Only asymmetric keys are taken from a JWKS.
        var secret = new byte[32];
        new Random(14).NextBytes(secret);
        var rsa = System.Text.Json.Nodes.JsonNode.Parse(_issuer.Jwks())!["keys"]![0]!.DeepClone();
        var jwks = Path.Combine(upstream.Directory, $"jwks-oct-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(jwks, new System.Text.Json.Nodes.JsonObject
        {
            ["keys"] = new System.Text.Json.Nodes.JsonArray(rsa,
                new System.Text.Json.Nodes.JsonObject { ["kty"] = "oct", ["use"] = "sig", ["kid"] = "shared", ["k"] = Base64UrlEncoder.Encode(secret) }),
        }.ToJsonString());
        using var host = Host(new Dictionary<string, string?> { ["Auth:Jwt:JwksPath"] = jwks });
        var token = _issuer.Mint(Audience, new Dictionary<string, object> { ["sub"] = "hmac-caller" },
            new SigningCredentials(new SymmetricSecurityKey(secret) { KeyId = "shared" }, SecurityAlgorithms.HmacSha256));

        var (ex, _) = await upstream.RefusedAsync(StatusCode.Unauthenticated, "CREDENTIAL_INVALID",
            () => Files(host).ListFilesAsync(new ListFilesRequest(), Bearer(token)).ResponseAsync);
        Assert.Equal("The call's credential was refused: the token's signature does not verify against the issuer's keys.", ex.Status.Detail);
        // The RSA key of the same file still admits.
        var admitted = _issuer.Mint(Audience, new Dictionary<string, object> { ["sub"] = "rsa-caller" });
        Assert.NotNull(await Files(host).ListFilesAsync(new ListFilesRequest(), Bearer(admitted)));
    }

    public void Dispose() => _issuer.Dispose();

    private FacadeHost Host(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "Jwt",
            // Jwt admits anyone the issuer knows, so a default policy allows nothing until it says what.
            ["Callers:Default:Groups:0"] = "uploads:write",
            ["Callers:Default:Groups:1"] = "files:read",
            ["Auth:Jwt:JwksPath"] = _issuer.WriteJwks(upstream.Directory),
            ["Auth:Jwt:Issuer"] = Issuer,
            ["Auth:Jwt:Audience"] = Audience,
            ["Auth:Jwt:ClockSkew"] = "00:00:02",
            ["Callers:Named:0:Name"] = Reader,
            ["Callers:Named:0:Groups:0"] = "files:read",
        };
        foreach (var (key, value) in more ?? [])
        {
            // A null value takes the setting out, leaving the server's default.
            if (value is null)
            {
                settings.Remove(key);
            }
            else
            {
                settings[key] = value;
            }
        }
        return new FacadeHost(upstream.Settings(settings));
    }

    private static async Task UploadFileAsync(FacadeHost host, CallOptions options)
    {
        using var call = host.Uploads.UploadFile(options);
        try
        {
            await call.RequestStream.WriteAsync(new UploadFileRequest
            {
                Metadata = new UploadFileMetadata { Filename = "a.jsonl", Purpose = FilePurpose.Batch, Bytes = 8, MimeType = "text/jsonl" },
            });
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            // A refusal may end the call before the server reads; the client then fails its pending write.
            // The server's status is what the response stream throws.
        }
        while (await call.ResponseStream.MoveNext())
        {
        }
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(upstream.Directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static FileService.FileServiceClient Files(FacadeHost host) => new(host.Channel);

    private static Dictionary<string, object> Subject(string subject) => new() { ["sub"] = subject };

    private static CallOptions Bearer(string token) => new(new Metadata { { "authorization", $"Bearer {token}" } });

    private string WithoutExpiry() => _issuer.Mint(Audience, Subject("ingest"), d => (d.IssuedAt, d.NotBefore, d.Expires) = (null, null, null));

    /// <summary>A tiny OpenID provider on loopback: its discovery document names <paramref name="issuer"/>'s issuer and its JWKS.</summary>
    private static async Task<WebApplication> AuthorityAsync(JwtIssuer issuer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/.well-known/openid-configuration", (HttpContext context) => Results.Json(new Dictionary<string, string>
        {
            ["issuer"] = issuer.Issuer,
            ["jwks_uri"] = $"{context.Request.Scheme}://{context.Request.Host}/jwks",
        }));
        app.MapGet("/jwks", () => Results.Text(issuer.Jwks(), "application/json"));
        await app.StartAsync();
        return app;
    }
}
