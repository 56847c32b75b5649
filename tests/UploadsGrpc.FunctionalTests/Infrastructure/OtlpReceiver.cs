using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using UploadsGrpc.FunctionalTests.Otlp;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>One OTLP/HTTP export as the receiver got it: its path, content type and body, byte for byte.</summary>
public sealed record OtlpExport(string Path, string? ContentType, byte[] Body);

/// <summary>A span with the resource it came with.</summary>
public sealed record ReceivedSpan(Resource Resource, InstrumentationScope Scope, Span Span);

/// <summary>
/// A small OTLP/HTTP receiver on a real loopback socket, standing in for a collector: it takes the binary protobuf
/// exports of traces, metrics and logs (<c>POST /v1/traces</c>, <c>/v1/metrics</c>, <c>/v1/logs</c>), keeps every
/// body as it came, decodes it with the subset of opentelemetry-proto in third_party/opentelemetry-proto/otlp_subset.proto, and answers as
/// a collector does (200, an empty Export*ServiceResponse). Anything else is refused and noted in <see cref="Refusals"/>.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private const string Protobuf = "application/x-protobuf";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<OtlpExport> _exports = new();
    private readonly ConcurrentQueue<ExportTraceServiceRequest> _traces = new();
    private readonly ConcurrentQueue<ExportMetricsServiceRequest> _metrics = new();
    private readonly ConcurrentQueue<ExportLogsServiceRequest> _logs = new();
    private readonly ConcurrentQueue<string> _refusals = new();

    private OtlpReceiver(WebApplication app) => _app = app;

    /// <summary>The base address for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces and the others).</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Every request that reached the receiver, in order of arrival, refused ones included.</summary>
    public IReadOnlyList<OtlpExport> Exports => [.. _exports];

    public IReadOnlyList<ExportTraceServiceRequest> Traces => [.. _traces];

    /// <summary>The metrics exports in order of arrival: with cumulative temporality the latest holds every series' total.</summary>
    public IReadOnlyList<ExportMetricsServiceRequest> Metrics => [.. _metrics];

    public IReadOnlyList<ExportLogsServiceRequest> Logs => [.. _logs];

    /// <summary>Requests that were not an OTLP/HTTP protobuf export the receiver could decode, each described.</summary>
    public IReadOnlyList<string> Refusals => [.. _refusals];

    public IReadOnlyList<ReceivedSpan> Spans =>
    [
        .. from export in Traces
           from resource in export.ResourceSpans
           from scope in resource.ScopeSpans
           from span in scope.Spans
           select new ReceivedSpan(resource.Resource, scope.Scope, span),
    ];

    public IEnumerable<LogRecord> LogRecords(string scope) =>
        Logs.SelectMany(export => export.ResourceLogs).SelectMany(resource => resource.ScopeLogs)
            .Where(logs => logs.Scope?.Name == scope).SelectMany(logs => logs.LogRecords);

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
            // Explicit: the test folder holds the server's appsettings.json, whose endpoint defaults are HTTP/2 only.
            k.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        receiver.Endpoint = new Uri(address.TrimEnd('/'));
        return receiver;
    }

    /// <summary>Whether any body that reached the receiver, of any signal, holds <paramref name="text"/> (as UTF-8).</summary>
    public bool AnyBodyContains(string text)
    {
        var needle = System.Text.Encoding.UTF8.GetBytes(text);
        return Exports.Any(export => export.Body.AsSpan().IndexOf(needle) >= 0);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        using var buffer = new MemoryStream();
        if (string.Equals(request.Headers.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase))
        {
            await using var gzip = new GZipStream(request.Body, CompressionMode.Decompress);
            await gzip.CopyToAsync(buffer, context.RequestAborted);
        }
        else
        {
            await request.Body.CopyToAsync(buffer, context.RequestAborted);
        }
        var body = buffer.ToArray();
        var path = request.Path.Value ?? "";
        _exports.Enqueue(new OtlpExport(path, request.ContentType, body));
        if (!HttpMethods.IsPost(request.Method) || request.ContentType != Protobuf)
        {
            Refuse(context, StatusCodes.Status415UnsupportedMediaType, $"{request.Method} {path} as {request.ContentType}");
            return;
        }
        try
        {
            switch (path)
            {
                case "/v1/traces":
                    _traces.Enqueue(ExportTraceServiceRequest.Parser.ParseFrom(body));
                    break;
                case "/v1/metrics":
                    _metrics.Enqueue(ExportMetricsServiceRequest.Parser.ParseFrom(body));
                    break;
                case "/v1/logs":
                    _logs.Enqueue(ExportLogsServiceRequest.Parser.ParseFrom(body));
                    break;
                default:
                    Refuse(context, StatusCodes.Status404NotFound, $"POST {path}");
                    return;
            }
        }
        catch (InvalidProtocolBufferException failure)
        {
            Refuse(context, StatusCodes.Status400BadRequest, $"POST {path}: {failure.Message}");
            return;
        }
        // An empty Export*ServiceResponse: everything accepted, no partial success to report.
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = Protobuf;
        context.Response.ContentLength = 0;
    }

    private void Refuse(HttpContext context, int status, string what)
    {
        _refusals.Enqueue(what);
        context.Response.StatusCode = status;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
