using UploadsGrpc.Server.Files;
using UploadsGrpc.Server.Uploads;

namespace UploadsGrpc.Server.Hosting;

/// <summary>The service's set-up: one adder per concern, each in its own file of this folder.</summary>
internal static class HostingExtensions
{
    public static WebApplicationBuilder AddUploadsGrpc(this WebApplicationBuilder builder)
    {
        NonEmptyEnvironmentVariablesSource.ReplaceIn(builder.Configuration);
        builder.AddGrpcEndpoint();
        builder.AddTelemetry();
        builder.Services
            .AddSingleton(TimeProvider.System)
            .AddErrorMapping()
            .AddUpstream()
            .AddMapping()
            .AddUploads()
            .AddUploadFile()
            .AddLimits()
            .AddLifecycle()
            .AddCallers()
            .AddTls()
            // Last: it replaces a registration every AddGrpc* call makes.
            .AddProtocolGuards();
        return builder;
    }

    public static WebApplication MapUploadsGrpc(this WebApplication app)
    {
        // First, so a call any later middleware refuses is counted and traced too.
        app.UseTelemetry();
        app.UseLifecycle();
        app.UseProtocolGuards();
        app.UseLimits();
        app.MapGrpcService<UploadGrpcService>();
        app.MapGrpcService<FileGrpcService>();
        app.MapGrpcHealthChecksService();
        // Reflection is what lets buf curl and grpcurl call the service without the protos.
        app.MapGrpcReflectionService();
        return app;
    }
}
