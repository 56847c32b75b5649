using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace UploadsGrpc.Hostile;

/// <summary>One request the upstream received, and whether its client went away before the answer was done.</summary>
internal sealed class UpstreamRequest(string? tag, string route, string method, string target, long bodyBytes, string body, TimeSpan at)
{
    public string? Tag { get; } = tag;
    public string Route { get; } = route;
    public string Method { get; } = method;
    public string Target { get; } = target;
    public long BodyBytes { get; } = bodyBytes;

    /// <summary>The body's first 64 KiB as Latin-1 (JSON bodies whole).</summary>
    public string Body { get; } = body;

    public TimeSpan At { get; } = at;

    public TaskCompletionSource Aborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>What a script sees: the request, the HTTP context to answer on, and the happy answer it may fall back to.</summary>
internal sealed class UpstreamExchange(HostileUpstream upstream, UpstreamRequest request, HttpContext context, int attempt)
{
    public UpstreamRequest Request { get; } = request;
    public HttpContext Context { get; } = context;
    public string Route => Request.Route;

    /// <summary>1 for the first request of this route and tag, 2 for the second, ...</summary>
    public int Attempt { get; } = attempt;

    public Task HappyAsync() => upstream.HappyAsync(this);

    public async Task RespondAsync(int status, string body, string contentType = "application/json", params (string Name, string Value)[] headers) =>
        await RespondAsync(status, Encoding.UTF8.GetBytes(body), contentType, headers);

    public async Task RespondAsync(int status, byte[] body, string contentType = "application/json", params (string Name, string Value)[] headers)
    {
        Context.Response.StatusCode = status;
        foreach (var (name, value) in headers)
        {
            Context.Response.Headers[name] = value;
        }
        if (body.Length > 0 && contentType.Length > 0)
        {
            Context.Response.ContentType = contentType;
        }
        await Context.Response.Body.WriteAsync(body, Context.RequestAborted);
    }

    /// <summary>Waits until the client gives up (bounded), recording that it did.</summary>
    public async Task HangAsync()
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(60), Context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            Request.Aborted.TrySetResult();
        }
    }
}

/// <summary>
/// The hostile upstream: Kestrel on 127.0.0.1 speaking HTTP/1.1, answering each case as it scripts. A case is
/// recognised by its tag (hcNNNx) in the path, query or body; untagged requests are recorded and answered 599.
/// </summary>
internal sealed partial class HostileUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<UpstreamRequest> _requests = new();
    private readonly ConcurrentDictionary<string, Func<UpstreamExchange, Task>> _scripts = new();
    private readonly ConcurrentDictionary<string, int> _attempts = new();
    private readonly ConcurrentDictionary<string, long> _createdBytes = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private HostileUpstream(WebApplication app) => _app = app;

    public Uri Root { get; private set; } = null!;

    /// <summary>The REST root the server is given as OPENAI_BASE_URL.</summary>
    public Uri BaseUrl => new(Root, "/v1/");

    public TimeSpan Now => _clock.Elapsed;

    public IReadOnlyList<UpstreamRequest> Requests => [.. _requests];

    public static async Task<HostileUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
            k.Limits.MaxRequestBodySize = null;
            k.Limits.MinResponseDataRate = null;
            k.Limits.MinRequestBodyDataRate = null;
            // Hostile x-request-id values: non-ASCII bytes go out as UTF-8 rather than being refused.
            k.ResponseHeaderEncodingSelector = _ => Encoding.UTF8;
        });
        var app = builder.Build();
        var upstream = new HostileUpstream(app);
        app.Run(upstream.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        upstream.Root = new Uri(address.TrimEnd('/') + "/");
        return upstream;
    }

    public void Script(string tag, Func<UpstreamExchange, Task> script) => _scripts[tag] = script;

    public IReadOnlyList<UpstreamRequest> For(string tag) => [.. _requests.Where(r => r.Tag == tag)];

    /// <summary>Waits (bounded) until a request of <paramref name="route"/> with <paramref name="tag"/> arrives.</summary>
    public async Task<UpstreamRequest?> WaitForAsync(string tag, string route, TimeSpan bound)
    {
        var until = Now + bound;
        while (Now < until)
        {
            if (_requests.FirstOrDefault(r => r.Tag == tag && r.Route == route) is { } found)
            {
                return found;
            }
            await Task.Delay(50);
        }
        return null;
    }

    [GeneratedRegex(@"hc\d{3}x")]
    private static partial Regex TagPattern();

    private static string RouteOf(string method, string path)
    {
        var segments = path.Split('?')[0].Trim('/').Split('/');
        return (method, segments) switch
        {
            ("POST", [_, "uploads"]) => "create",
            ("POST", [_, "uploads", _, "parts"]) => "part",
            ("POST", [_, "uploads", _, "complete"]) => "complete",
            ("POST", [_, "uploads", _, "cancel"]) => "cancel",
            ("GET", [_, "files"]) => "list",
            ("POST", [_, "files"]) => "createfile",
            ("GET", [_, "files", _, "content"]) => "content",
            ("GET", [_, "files", _]) => "get",
            ("DELETE", [_, "files", _]) => "delete",
            _ => "other",
        };
    }

    private async Task HandleAsync(HttpContext context)
    {
        var target = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        var head = new MemoryStream();
        long length = 0;
        var buffer = new byte[81920];
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                if (head.Length < 65536)
                {
                    head.Write(buffer, 0, (int)Math.Min(read, 65536 - head.Length));
                }
                length += read;
            }
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        var body = Encoding.Latin1.GetString(head.ToArray());
        var tagMatch = TagPattern().Match(Uri.UnescapeDataString(target));
        if (!tagMatch.Success)
        {
            tagMatch = TagPattern().Match(body);
        }
        var tag = tagMatch.Success ? tagMatch.Value : null;
        var route = RouteOf(context.Request.Method, target);
        var request = new UpstreamRequest(tag, route, context.Request.Method, target, length, body, Now);
        _requests.Enqueue(request);
        if (route == "create" && tag is not null)
        {
            try
            {
                using var json = JsonDocument.Parse(head.ToArray());
                _createdBytes[tag] = json.RootElement.GetProperty("bytes").GetInt64();
            }
            catch (Exception)
            {
                // Not JSON: the happy answer uses 8 bytes.
            }
        }
        var attempt = _attempts.AddOrUpdate($"{tag}/{route}", 1, (_, n) => n + 1);
        using var registration = context.RequestAborted.Register(() => request.Aborted.TrySetResult());
        var exchange = new UpstreamExchange(this, request, context, attempt);
        try
        {
            if (tag is not null && _scripts.TryGetValue(tag, out var script))
            {
                await script(exchange);
            }
            else if (tag is not null)
            {
                await HappyAsync(exchange);
            }
            else
            {
                await exchange.RespondAsync(599, "{\"error\":{\"message\":\"untagged request\",\"type\":\"hostile\"}}");
            }
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            request.Aborted.TrySetResult();
        }
    }

    /// <summary>What a well-behaved upstream answers, with ids that carry the case's tag.</summary>
    public Task HappyAsync(UpstreamExchange exchange)
    {
        var tag = exchange.Request.Tag ?? "untagged";
        var bytes = _createdBytes.TryGetValue(tag, out var b) ? b : 8;
        string Upload(string status, bool withFile) =>
            $$"""{"id":"upload_{{tag}}","object":"upload","bytes":{{bytes}},"created_at":1719184911,"filename":"f_{{tag}}.jsonl","purpose":"batch","status":"{{status}}","expires_at":1719188511{{(withFile ? "," + File() : "")}}}""";
        string File() => $$"""{"id":"file_{{tag}}","object":"file","bytes":{{bytes}},"created_at":1719186911,"filename":"f_{{tag}}.jsonl","purpose":"batch","status":"processed"}""";
        string FileField() => "\"file\":" + File();
        return exchange.Route switch
        {
            "create" => exchange.RespondAsync(200, Upload("pending", false), "application/json", RequestId(tag)),
            "part" => exchange.RespondAsync(200, $$"""{"id":"part_{{tag}}_{{exchange.Attempt}}","object":"upload.part","created_at":1719185911,"upload_id":"upload_{{tag}}"}""", "application/json", RequestId(tag)),
            "complete" => exchange.RespondAsync(200, Upload("completed", false).TrimEnd('}') + "," + FileField() + "}", "application/json", RequestId(tag)),
            "cancel" => exchange.RespondAsync(200, Upload("cancelled", false), "application/json", RequestId(tag)),
            "get" => exchange.RespondAsync(200, File(), "application/json", RequestId(tag)),
            "createfile" => exchange.RespondAsync(200, File(), "application/json", RequestId(tag)),
            "list" => exchange.RespondAsync(200, $$"""{"object":"list","data":[{{File()}}],"has_more":false,"first_id":"file_{{tag}}","last_id":"file_{{tag}}"}""", "application/json", RequestId(tag)),
            "delete" => exchange.RespondAsync(200, $$"""{"id":"file_{{tag}}","object":"file","deleted":true}""", "application/json", RequestId(tag)),
            "content" => exchange.RespondAsync(200, Encoding.ASCII.GetBytes(new string('c', (int)Math.Min(bytes, 1 << 20))), "application/octet-stream", RequestId(tag)),
            _ => exchange.RespondAsync(404, "{\"error\":{\"message\":\"no such route\",\"type\":\"invalid_request_error\"}}"),
        };
    }

    public static (string, string) RequestId(string tag) => ("x-request-id", "req_" + tag);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(3)).Token);
        await _app.DisposeAsync();
    }
}
