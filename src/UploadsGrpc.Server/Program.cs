using UploadsGrpc.Server.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddUploadsGrpc();

var app = builder.Build();
try
{
    // Mapping resolves the gRPC options, and with them the settings their limits are made of.
    app.MapUploadsGrpc();
    await app.RunAsync();
}
catch (Exception failure) when (StartupFailure.Describe(failure) is { } reason)
{
    // A configuration mistake is a one-line message and a non-zero exit, not a stack trace.
    await Console.Error.WriteLineAsync($"UploadsGrpc cannot start: {reason}");
    return 1;
}
return 0;

/// <summary>The entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
