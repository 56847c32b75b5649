using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration.Memory;

namespace UploadsGrpc.Emulator.Hosting;

/// <summary>Builds the emulator as a web application of its own: the standalone program, and the server's embedded upstream.</summary>
public static class EmulatorApplication
{
    /// <param name="args">Command-line arguments (<c>--urls</c>, <c>--Emulator:MaxPartBytes=…</c>).</param>
    /// <param name="configure">Runs last before Build: an embedding host sets the listen address, logging or a clock here.</param>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(EmulatorApplication).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        // Defaults in code, below every other source, rather than an appsettings.json: the server references
        // this project, and two appsettings.json files cannot share one publish folder.
        var defaults = new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        };
        // Kestrel takes Urls over ports whatever their sources, so the loopback default yields to ports named by
        // ASPNETCORE_HTTP_PORTS / ASPNETCORE_HTTPS_PORTS (a container image sets HTTP_PORTS=8080, every interface).
        if (string.IsNullOrEmpty(builder.Configuration["HTTP_PORTS"]) && string.IsNullOrEmpty(builder.Configuration["HTTPS_PORTS"]))
        {
            defaults["Urls"] = "http://127.0.0.1:8080";
        }
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = defaults });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Parts and files enforce their own limits while streaming; Kestrel's 30 MB default would cut a 64 MiB part.
            kestrel.Limits.MaxRequestBodySize = null;
            // The REST API is HTTP/1.1 here, as the SDKs speak it without TLS.
            kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http1);
        });
        builder.Services.AddUploadsEmulator(builder.Configuration);
        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapUploadsEmulator();
        return app;
    }
}
