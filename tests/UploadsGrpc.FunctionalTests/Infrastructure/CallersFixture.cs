using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>
/// A façade in Auth:Mode=ApiKeys over the standalone emulator, with one caller for each policy under test. Each
/// caller's token is random per run and configured only as its SHA-256, as an operator would.
/// </summary>
public sealed class CallersFixture : IAsyncLifetime
{
    public const string ServiceKey = "sk-test-service-Key0123456789abcdefghij";
    public const string AliceOwnKey = "sk-test-alice-own-Key0123456789abcdefgh";

    private readonly Dictionary<string, GrpcChannel> _channels = [];

    public EmulatorProcess Emulator { get; private set; } = null!;

    public FacadeHost Facade { get; private set; } = null!;

    /// <summary>The callers configured, by name: each one's random token.</summary>
    public Dictionary<string, string> Tokens { get; } = new[] { "alice", "bob", "reader", "batcher", "slow", "single", "admin" }
        .ToDictionary(name => name, name => $"ugt-{name}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}");

    public async Task InitializeAsync()
    {
        Emulator = await EmulatorProcess.StartAsync();
        Facade = new FacadeHost(Settings(Emulator.ApiBase), "Production");
        _ = Facade.Address;
    }

    public Dictionary<string, string?> Settings(Uri upstream)
    {
        var settings = new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = upstream.AbsoluteUri,
            ["OPENAI_API_KEY"] = ServiceKey,
            ["ALICE_OPENAI_KEY"] = AliceOwnKey,
            ["Auth:Mode"] = "ApiKeys",
            ["Callers:Default:Project"] = "proj_default_callers",
            ["Callers:Named:0:Name"] = "alice",
            ["Callers:Named:0:Project"] = "proj_alice",
            ["Callers:Named:0:ApiKeyVariable"] = "ALICE_OPENAI_KEY",
            ["Callers:Named:1:Name"] = "bob",
            ["Callers:Named:1:Project"] = "proj_bob",
            ["Callers:Named:2:Name"] = "reader",
            ["Callers:Named:2:Groups:0"] = "files:read",
            ["Callers:Named:3:Name"] = "batcher",
            ["Callers:Named:3:Purposes:0"] = "batch",
            ["Callers:Named:3:MaxUploadBytes"] = "1000",
            ["Callers:Named:4:Name"] = "slow",
            ["Callers:Named:4:RequestsPerSecond"] = "1",
            ["Callers:Named:4:Burst"] = "1",
            ["Callers:Named:5:Name"] = "single",
            ["Callers:Named:5:MaxConcurrentStreams"] = "1",
            ["Callers:Named:6:Name"] = "admin",
            ["Callers:Named:6:Groups:0"] = "files:read",
            ["Callers:Named:6:Groups:1"] = "reflection",
        };
        var i = 0;
        foreach (var (caller, token) in Tokens)
        {
            settings[$"Auth:ApiKeys:{i}:Caller"] = caller;
            settings[$"Auth:ApiKeys:{i}:Sha256"] = Sha256(token);
            i++;
        }
        return settings;
    }

    public static string Sha256(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>A channel whose every call carries the caller's token, or none for <c>null</c>, or <paramref name="rawToken"/> as is.</summary>
    public GrpcChannel ChannelAs(string? caller, string? rawToken = null)
    {
        var key = caller ?? $"raw:{rawToken}";
        if (_channels.TryGetValue(key, out var channel))
        {
            return channel;
        }
        channel = BearerChannel.Open(Facade.Address, caller is null ? rawToken : Tokens[caller]);
        _channels[key] = channel;
        return channel;
    }

    public UploadService.UploadServiceClient Uploads(string? caller) => new(ChannelAs(caller));

    public FileService.FileServiceClient Files(string? caller) => new(ChannelAs(caller));

    public async Task DisposeAsync()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }
        await Facade.DisposeAsync();
        Emulator.Dispose();
    }
}
