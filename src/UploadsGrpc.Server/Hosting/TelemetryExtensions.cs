using System.Diagnostics.Metrics;
using System.Reflection;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using UploadsGrpc.Server.Limits;
using UploadsGrpc.Server.Telemetry;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Hosting;

/// <summary>
/// OpenTelemetry: the service's meter and the framework's (ASP.NET Core, HttpClient, the runtime), scraped by
/// Prometheus on the admin port; spans of each call and its upstream requests; both sent by OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. And the console's JSON lines carry each call's scope.
/// </summary>
internal static class TelemetryExtensions
{
    /// <summary>The service's name in traces and metrics unless OTEL_SERVICE_NAME says otherwise.</summary>
    public const string ServiceName = "uploadsgrpc";

    private static readonly PathString HealthPath = new("/grpc.health.v1.Health");

    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AdminOptions>, AdminOptionsValidation>();
        services.AddSingleton(provider =>
        {
            var budget = provider.GetRequiredService<MemoryBudget>();
            return new UploadsGrpcMetrics(provider.GetRequiredService<IMeterFactory>(), () => budget.InUse, budget.Bytes);
        });
        services.AddSingleton<CallTelemetryInterceptor>();
        services.AddScoped<IUpstreamRequestIdSource>(provider => provider.GetRequiredService<UpstreamCallInfo>());
        IncludeScopesInJsonLogs(builder);

        // Telemetry:Enabled=false leaves OpenTelemetry out entirely (the benchmark's baseline); the instruments then
        // have no listener and cost next to nothing.
        if (!configuration.GetValue("Telemetry:Enabled", defaultValue: true))
        {
            return builder;
        }
        services.AddSingleton(provider => new AdminServer(provider.GetRequiredService<IOptions<AdminOptions>>(), provider,
            FollowTheServer(provider.GetRequiredService<ILoggerFactory>()), provider.GetRequiredService<ILogger<AdminServer>>()));
        services.AddHostedService(provider => provider.GetRequiredService<AdminServer>());

        // OTLP is on with one endpoint for every signal or one of a signal's own (only UseOtlpExporter reads those).
        var otlpTraces = IsSet(configuration, "OTEL_EXPORTER_OTLP_ENDPOINT") || IsSet(configuration, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        var otlp = otlpTraces
            || IsSet(configuration, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT") || IsSet(configuration, "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT");
        var telemetry = services.AddOpenTelemetry();
        // The version and an instance id on every resource, whatever OTEL_SERVICE_NAME names it: replicas' series must not collide.
        var version = typeof(TelemetryExtensions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        var name = IsSet(configuration, "OTEL_SERVICE_NAME") ? configuration["OTEL_SERVICE_NAME"]! : ServiceName;
        telemetry.ConfigureResource(resource => resource.AddService(name, serviceVersion: version));
        telemetry.WithMetrics(metrics =>
        {
            metrics.AddMeter(UploadsGrpcMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                // The runtime's own meter (.NET 9 and later): GC, heap, thread pool, exceptions.
                .AddMeter("System.Runtime");
            // Gauges whose names end in ".count" become *_count series, which Prometheus reserves for histograms and
            // summaries (promtool check metrics refuses them); they say little an operator acts on.
            foreach (var name in (string[])["dotnet.assembly.count", "dotnet.process.cpu.count", "dotnet.timer.count"])
            {
                metrics.AddView(name, MetricStreamConfiguration.Drop);
            }
            if (IsSet(configuration, "Admin:Port"))
            {
                metrics.AddPrometheusExporter();
            }
        });
        // Spans only where something takes them: recording spans nobody exports would cost every call for nothing.
        if (configuration.GetValue("Telemetry:Traces", defaultValue: otlpTraces))
        {
            telemetry.WithTracing(tracing => ConfigureTracing(tracing));
        }
        if (otlp)
        {
            // Traces, metrics and logs, each as the OTEL_EXPORTER_OTLP_* variables say (protocol, headers, intervals); a
            // signal with no endpoint of its own nor the shared one goes to the SDK's default, localhost:4317.
            telemetry.UseOtlpExporter();
        }
        return builder;
    }

    /// <summary>The spans: each gRPC call's, and its upstream attempts'.</summary>
    public static TracerProviderBuilder ConfigureTracing(TracerProviderBuilder tracing) => tracing
            .AddAspNetCoreInstrumentation(aspNetCore =>
            {
                // Only gRPC calls: not a stray request to the gRPC port, nor the embedded emulator's or admin's requests;
                // and not health checks, which probes and load balancers send every few seconds (metrics count them).
                aspNetCore.Filter = context => GrpcRequests.Is(context.Request) && !context.Request.Path.StartsWithSegments(HealthPath);
                // The instrumentation names the span after the HTTP route when it stops; the RPC conventions name it service/method.
                aspNetCore.EnrichWithHttpResponse = (span, response) =>
                {
                    if (CallTelemetry.Of(response.HttpContext) is { } call)
                    {
                        span.DisplayName = call.Rpc.SpanName;
                    }
                };
            })
            .AddHttpClientInstrumentation(http =>
            {
                http.FilterHttpRequestMessage = UpstreamSpans.ShouldTrace;
                http.EnrichWithHttpRequestMessage = UpstreamSpans.OnRequest;
                http.EnrichWithHttpResponseMessage = UpstreamSpans.OnResponse;
            });

    public static WebApplication UseTelemetry(this WebApplication app)
    {
        app.UseMiddleware<CallTelemetryMiddleware>();
        return app;
    }

    /// <summary>
    /// JSON console lines carry their scopes (trace and span ids, the call's RPC, caller, ids and upstream request
    /// id) unless the configuration says otherwise; plain text stays one line an event.
    /// </summary>
    private static void IncludeScopesInJsonLogs(WebApplicationBuilder builder)
    {
        var formatter = builder.Configuration.GetSection("Logging:Console:FormatterOptions");
        builder.Services.Configure<JsonConsoleFormatterOptions>(json =>
        {
            if (formatter["IncludeScopes"] is null)
            {
                json.IncludeScopes = true;
            }
            if (formatter["TimestampFormat"] is null)
            {
                json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                json.UseUtcTimestamp = true;
            }
        });
    }

    private static Action<WebApplicationBuilder> FollowTheServer(ILoggerFactory server) => embedded =>
    {
        embedded.Logging.ClearProviders();
        embedded.Logging.AddProvider(new ForwardingLoggerProvider(server));
        embedded.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.None);
        embedded.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
    };

    private static bool IsSet(ConfigurationManager configuration, string key) => !string.IsNullOrWhiteSpace(configuration[key]);
}
