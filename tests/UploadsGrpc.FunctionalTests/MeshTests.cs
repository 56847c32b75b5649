using Grpc.Core;
using Grpc.Health.V1;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests;

/// <summary>
/// Auth:Mode=Mesh on a real socket, the standalone emulator upstream: the caller is the URI (SPIFFE ID) of the last
/// element of the x-forwarded-client-cert header a trusted proxy sets, under that name's policy; from an address
/// that is not a trusted proxy the header counts for nothing, and no refused call reaches the upstream.
/// </summary>
[Collection(ProcessTests.Name)]
public sealed class MeshTests(EmulatorUpstream upstream) : IClassFixture<EmulatorUpstream>
{
    private const string Header = "x-forwarded-client-cert";
    private const string Sidecar = "spiffe://cluster.local/ns/a/sa/server";

    /// <summary>A caller whose policy allows reading files only.</summary>
    private const string Reader = "spiffe://cluster.local/ns/a/sa/client";

    /// <summary>A caller with no policy of its own: the default's, which allows every RPC.</summary>
    private const string Ingest = "spiffe://cluster.local/ns/b/sa/ingest";

    private static readonly string ForReader = $"By={Sidecar};Hash=abc;URI={Reader}";

    [Fact]
    public async Task The_SPIFFE_ID_a_trusted_proxy_asserts_is_the_caller_under_its_policy()
    {
        using var host = Host(trusted: "127.0.0.1");

        var before = await upstream.RequestTotalAsync();
        var files = await Files(host).ListFilesAsync(new ListFilesRequest(), Asserting(ForReader));
        Assert.NotNull(files);
        Assert.Equal(before + 1, await upstream.RequestTotalAsync());

        var (ex, info) = await upstream.RefusedAsync(StatusCode.PermissionDenied, "RPC_NOT_ALLOWED",
            () => host.Uploads.CreateUploadAsync(Calls.ValidCreate(), Asserting(ForReader)).ResponseAsync);
        Assert.Equal($"The caller {Reader} may not call /uploadsgrpc.v1.UploadService/CreateUpload: it needs the group uploads:write.", ex.Status.Detail);
        Assert.Equal(Reader, info.Metadata["caller"]);
        Assert.Equal("uploads:write", info.Metadata["group"]);

        // Another SPIFFE ID has the default policy, which allows uploads.
        var upload = await host.Uploads.CreateUploadAsync(Calls.ValidCreate(), Asserting($"By={Sidecar};Hash=abc;URI={Ingest}"));
        Assert.Equal(UploadStatus.Pending, upload.Upload.Status);
    }

    public static TheoryData<string, string> Headers() => new()
    {
        // Several elements: each proxy on the way appended one; the last is the nearest, the sidecar.
        { $"By=spiffe://cluster.local/ns/edge/sa/gateway;URI={Ingest},By={Sidecar};Hash=abc;URI={Reader}", Reader },
        { $"By={Sidecar};Hash=abc;URI={Reader},By=spiffe://cluster.local/ns/edge/sa/gateway;URI={Ingest}", Ingest },
        // Quoted values hold the separators, and a quoted URI is unquoted.
        { $"By={Sidecar};Hash=abc;Subject=\"CN=client,OU=a;b\";URI={Reader}", Reader },
        { $"By={Sidecar};Subject=\"CN=x,O=\\\"q;r\\\"\";URI=\"{Reader}\"", Reader },
        { $"By={Sidecar};Subject=\"CN=a,URI=spiffe://forged\";URI={Ingest},By={Sidecar};Subject=\"O=b;URI=spiffe://forged\";URI={Reader}", Reader },
        // A certificate with several URI SANs: the first, as for a client certificate on the port itself.
        { $"By={Sidecar};URI={Reader};URI=https://example.com/other", Reader },
        // Keys in any case, spaces around the separators.
        { $"by={Sidecar} ; hash=abc ; uri={Reader}", Reader },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public async Task The_caller_is_the_last_elements_URI(string header, string caller)
    {
        using var host = Host(trusted: "127.0.0.1");

        if (caller == Reader)
        {
            var (_, info) = await upstream.RefusedAsync(StatusCode.PermissionDenied, "RPC_NOT_ALLOWED",
                () => host.Uploads.CreateUploadAsync(Calls.ValidCreate(), Asserting(header)).ResponseAsync);
            Assert.Equal(Reader, info.Metadata["caller"]);
        }
        else
        {
            var upload = await host.Uploads.CreateUploadAsync(Calls.ValidCreate(), Asserting(header));
            Assert.Equal(UploadStatus.Pending, upload.Upload.Status);
        }
    }

    [Fact]
    public async Task No_header_is_UNAUTHENTICATED_CREDENTIAL_MISSING()
    {
        using var host = Host(trusted: "127.0.0.1");

        var (ex, info) = await upstream.RefusedAsync(StatusCode.Unauthenticated, "CREDENTIAL_MISSING",
            () => Files(host).ListFilesAsync(new ListFilesRequest()).ResponseAsync);

        Assert.Equal("The call carries no caller identity: no client certificate, and no identity asserted by a trusted proxy.", ex.Status.Detail);
        Assert.Equal("Mesh", info.Metadata["mode"]);
    }

    [Theory]
    [InlineData($"By={Sidecar};Hash=abc;Subject=\"CN=client\"")]
    [InlineData($"By={Sidecar};Hash=abc;URI=")]
    [InlineData($"By={Sidecar};URI={Reader},By={Sidecar};Hash=abc")]
    [InlineData("garbage")]
    public async Task A_header_without_a_URI_in_its_last_element_is_UNAUTHENTICATED_CREDENTIAL_INVALID(string header)
    {
        using var host = Host(trusted: "127.0.0.1");

        var (ex, info) = await upstream.RefusedAsync(StatusCode.Unauthenticated, "CREDENTIAL_INVALID",
            () => Files(host).ListFilesAsync(new ListFilesRequest(), Asserting(header)).ResponseAsync);

        Assert.Equal("The call's credential was refused: the x-forwarded-client-cert header names no URI (SPIFFE ID).", ex.Status.Detail);
        Assert.Equal("Mesh", info.Metadata["mode"]);
    }

    [Fact]
    public async Task A_callers_open_quote_cannot_pass_off_its_own_element_as_the_sidecars()
    {
        using var host = Host(trusted: "127.0.0.1");
        // What a sidecar that appends (Istio's APPEND_FORWARD) forwards when the caller sent a header ending in an open quote.
        var forged = $"By=x;URI={Ingest};Hash=\",By={Sidecar};Hash=abc;Subject=\"\";URI={Reader}";

        var (ex, _) = await upstream.RefusedAsync(StatusCode.Unauthenticated, "CREDENTIAL_INVALID",
            () => host.Uploads.CreateUploadAsync(Calls.ValidCreate(), Asserting(forged)).ResponseAsync);

        Assert.Equal("The call's credential was refused: the x-forwarded-client-cert header is malformed (a quote is not closed).", ex.Status.Detail);
    }

    [Fact]
    public async Task The_header_from_an_address_that_is_not_a_trusted_proxy_is_ignored()
    {
        using var host = Host(trusted: "10.1.2.3/32");

        var (ex, info) = await upstream.RefusedAsync(StatusCode.Unauthenticated, "CREDENTIAL_MISSING",
            () => Files(host).ListFilesAsync(new ListFilesRequest(), Asserting(ForReader)).ResponseAsync);
        Assert.Equal("Mesh", info.Metadata["mode"]);
        Assert.DoesNotContain(Reader, ex.Status.Detail, StringComparison.Ordinal);

        (_, _) = await upstream.RefusedAsync(StatusCode.Unauthenticated, "CREDENTIAL_MISSING",
            () => host.Uploads.CreateUploadAsync(Calls.ValidCreate(), Asserting($"By={Sidecar};URI={Ingest}")).ResponseAsync);
    }

    [Fact]
    public async Task A_trusted_range_admits_the_loopback_proxy()
    {
        using var host = Host(trusted: "127.0.0.0/8");

        var upload = await host.Uploads.CreateUploadAsync(Calls.ValidCreate(), Asserting($"By={Sidecar};URI={Ingest}"));

        Assert.Equal(UploadStatus.Pending, upload.Upload.Status);
    }

    [Fact]
    public async Task Auth_Mesh_Header_names_the_header_believed()
    {
        using var host = Host(trusted: "127.0.0.1", header: "x-client-identity");

        await upstream.RefusedAsync(StatusCode.Unauthenticated, "CREDENTIAL_MISSING",
            () => host.Uploads.CreateUploadAsync(Calls.ValidCreate(), Asserting($"By={Sidecar};URI={Ingest}")).ResponseAsync);
        var upload = await host.Uploads.CreateUploadAsync(Calls.ValidCreate(),
            new CallOptions(new Metadata { { "x-client-identity", $"By={Sidecar};URI={Ingest}" } }));
        Assert.Equal(UploadStatus.Pending, upload.Upload.Status);
    }

    [Theory]
    [InlineData("", "Auth:Mode=Mesh needs Auth:Mesh:TrustedProxies (the sidecars that assert callers) or Tls:ClientCaPath (client certificates on this port).")]
    [InlineData("sidecar.local", "Auth:Mesh:TrustedProxies:0 must be an IP address or a CIDR range such as 10.0.0.0/8.")]
    [InlineData("10.0.0.0/33", "Auth:Mesh:TrustedProxies:0 must be an IP address or a CIDR range such as 10.0.0.0/8.")]
    public async Task A_Mesh_set_up_that_cannot_work_exits_non_zero_with_one_line_naming_the_setting(string proxy, string expected)
    {
        var variables = upstream.Emulator.UpstreamVariables();
        variables["Auth__Mode"] = "Mesh";
        variables["Auth__Mesh__TrustedProxies__0"] = proxy;
        using var server = ServerProcess.Start("Production", variables);

        Assert.Equal(1, await server.ExitCodeAsync());
        var line = Assert.Single(server.Output.Split('\n'), l => l.StartsWith("UploadsGrpc cannot start: ", StringComparison.Ordinal));
        Assert.Equal($"UploadsGrpc cannot start: {expected}", line.TrimEnd('\r'));
    }

    [Fact]
    public async Task Without_default_groups_a_workload_with_no_policy_of_its_own_may_call_nothing()
    {
        using var host = new FacadeHost(upstream.Settings(new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "Mesh",
            ["Auth:Mesh:TrustedProxies:0"] = "127.0.0.1",
            ["Callers:Named:0:Name"] = Reader,
            ["Callers:Named:0:Purposes:0"] = "batch",
        }));

        var (_, stranger) = await upstream.RefusedAsync(StatusCode.PermissionDenied, "RPC_NOT_ALLOWED",
            () => Files(host).ListFilesAsync(new ListFilesRequest(), Asserting($"By={Sidecar};URI={Ingest}")).ResponseAsync);
        Assert.Equal(Ingest, stranger.Metadata["caller"]);
        // A named policy without Groups takes the default's, which here is none.
        var (_, named) = await upstream.RefusedAsync(StatusCode.PermissionDenied, "RPC_NOT_ALLOWED",
            () => Files(host).ListFilesAsync(new ListFilesRequest(), Asserting(ForReader)).ResponseAsync);
        Assert.Equal(Reader, named.Metadata["caller"]);
    }

    [Fact]
    public async Task Health_needs_no_identity()
    {
        using var host = Host(trusted: "127.0.0.1");

        var health = await new Health.HealthClient(host.Channel).CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    private FacadeHost Host(string trusted, string header = Header) => new(upstream.Settings(new Dictionary<string, string?>
    {
        ["Auth:Mode"] = "Mesh",
        ["Auth:Mesh:TrustedProxies:0"] = trusted,
        ["Auth:Mesh:Header"] = header,
        // Mesh admits any workload the mesh knows, so a default policy allows nothing until it says what.
        ["Callers:Default:Groups:0"] = "uploads:write",
        ["Callers:Default:Groups:1"] = "files:read",
        ["Callers:Named:0:Name"] = Reader,
        ["Callers:Named:0:Groups:0"] = "files:read",
    }));

    private static FileService.FileServiceClient Files(FacadeHost host) => new(host.Channel);

    private static CallOptions Asserting(string header) => new(new Metadata { { Header, header } });
}
