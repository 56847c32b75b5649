using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using UploadsGrpc.Emulator.Hosting;

namespace UploadsGrpc.Emulator.Tests.Infrastructure;

/// <summary>
/// The emulator on a real loopback socket with a fake clock. Each test class gets its own, so uploads and
/// files do not leak between classes; tests inside a class use fresh uploads.
/// </summary>
public sealed class EmulatorServer : IAsyncLifetime
{
    public const long SmallPartLimit = 4 * 1024 * 1024;
    private readonly Dictionary<string, string?> _settings;
    private WebApplication? _app;

    public EmulatorServer() => _settings = [];

    /// <summary>An emulator with extra configuration, for a test class that owns it.</summary>
    public static EmulatorServer With(Dictionary<string, string?> settings) => new(settings);

    private EmulatorServer(Dictionary<string, string?> settings) => _settings = settings;

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.FromUnixTimeSeconds(1_780_000_000));

    public HttpClient Http { get; private set; } = null!;

    /// <summary>A client without the Authorization header.</summary>
    public HttpClient Anonymous { get; private set; } = null!;

    public Uri Root { get; private set; } = null!;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "emulator-tests-" + Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync()
    {
        _app = EmulatorApplication.Create([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Emulator:MaxPartBytes"] = SmallPartLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Emulator:DataDirectory"] = DataDirectory,
            });
            builder.Configuration.AddInMemoryCollection(_settings);
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton<TimeProvider>(Time);
        });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        Root = new Uri(address.TrimEnd('/') + "/");
        Http = new HttpClient { BaseAddress = Root };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk-emulator-tests");
        Anonymous = new HttpClient { BaseAddress = Root };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        Anonymous.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    public string[] FilesOnDisk() => Directory.GetFiles(DataDirectory).Select(Path.GetFileName).ToArray()!;

    public async Task<JsonElement> CreateUploadAsync(long bytes, string purpose = "assistants", string filename = "data.jsonl", object? expiresAfter = null)
    {
        using var response = await Http.PostAsJsonAsync("v1/uploads",
            new Dictionary<string, object?> { ["filename"] = filename, ["purpose"] = purpose, ["bytes"] = bytes, ["mime_type"] = "text/jsonl", ["expires_after"] = expiresAfter }
                .Where(p => p.Value is not null).ToDictionary());
        return await Api.ExpectAsync(response, HttpStatusCode.OK);
    }

    public async Task<HttpResponseMessage> PostPartAsync(string uploadId, byte[] data)
    {
        using var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(data);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(content, "data", "part");
        return await Http.PostAsync($"v1/uploads/{uploadId}/parts", form);
    }

    public async Task<string> AddPartAsync(string uploadId, byte[] data)
    {
        using var response = await PostPartAsync(uploadId, data);
        var part = await Api.ExpectAsync(response, HttpStatusCode.OK);
        return part.GetProperty("id").GetString()!;
    }

    public Task<HttpResponseMessage> CompleteAsync(string uploadId, IEnumerable<string> partIds, string? md5 = null) =>
        Http.PostAsJsonAsync($"v1/uploads/{uploadId}/complete",
            md5 is null ? new Dictionary<string, object> { ["part_ids"] = partIds.ToArray() } : new Dictionary<string, object> { ["part_ids"] = partIds.ToArray(), ["md5"] = md5 });

    public Task<HttpResponseMessage> CancelAsync(string uploadId) => Http.PostAsync($"v1/uploads/{uploadId}/cancel", null);

    public async Task<JsonElement> AdminUploadAsync(string uploadId)
    {
        using var response = await Anonymous.GetAsync($"_admin/uploads/{uploadId}");
        return await Api.ExpectAsync(response, HttpStatusCode.OK);
    }
}
