using UploadsGrpc.Server.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddUploadsGrpc();

var app = builder.Build();
app.MapUploadsGrpc();
app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
