using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>One request as the upstream received it, byte for byte.</summary>
public sealed record RecordedRequest(
    string Method,
    string RawTarget,
    IReadOnlyDictionary<string, string> Headers,
    byte[] Body)
{
    /// <summary>Completes when the client aborted the request before the script answered.</summary>
    public TaskCompletionSource Aborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// A real HTTP/1.1 server on a loopback socket that answers as each test scripts and records every request.
/// It stands in for the upstream in tests of the façade's requests and error mapping.
/// </summary>
public sealed class ScriptedUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private Func<RecordedRequest, HttpContext, Task> _script = (_, context) => Respond(context, 599, "{}");

    private ScriptedUpstream(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public static async Task<ScriptedUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            // Explicit: the test folder holds the server's appsettings.json, whose endpoint defaults are HTTP/2 only.
            k.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
            k.Limits.MaxRequestBodySize = null;
            // Header values go out as Latin-1 bytes, so a test can send the non-ASCII bytes a hostile upstream would
            // (Kestrel refuses them otherwise).
            k.ResponseHeaderEncodingSelector = _ => System.Text.Encoding.Latin1;
        });
        var app = builder.Build();
        var upstream = new ScriptedUpstream(app);
        app.Run(upstream.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        upstream.BaseUrl = new Uri(address.TrimEnd('/') + "/v1");
        return upstream;
    }

    /// <summary>Forgets the recorded requests, for the next test on a shared upstream.</summary>
    public void Reset() => _requests.Clear();

    /// <summary>Every following request is answered by <paramref name="script"/>.</summary>
    public void Script(Func<RecordedRequest, HttpContext, Task> script) => _script = script;

    /// <summary>Every following request gets this status, body and headers.</summary>
    public void Answer(int status, string body, string contentType = "application/json", params (string Name, string Value)[] headers) =>
        Script((_, context) => Respond(context, status, body, contentType, headers));

    /// <summary>Every following request waits until the client gives up, and records that it did.</summary>
    public void Hang() => Script(async (request, context) =>
    {
        try
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            request.Aborted.TrySetResult();
        }
    });

    public static Task Respond(HttpContext context, int status, string body, string contentType = "application/json", params (string Name, string Value)[] headers) =>
        Respond(context, status, System.Text.Encoding.UTF8.GetBytes(body), contentType, headers);

    /// <summary>Answers with these exact bytes (which need not be UTF-8).</summary>
    public static async Task Respond(HttpContext context, int status, byte[] body, string contentType = "application/json", params (string Name, string Value)[] headers)
    {
        context.Response.StatusCode = status;
        foreach (var (name, value) in headers)
        {
            context.Response.Headers[name] = value;
        }
        if (body.Length > 0)
        {
            context.Response.ContentType = contentType;
        }
        await context.Response.Body.WriteAsync(body);
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var request = new RecordedRequest(
            context.Request.Method,
            context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget,
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body.ToArray());
        _requests.Enqueue(request);
        await _script(request, context);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
