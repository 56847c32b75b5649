namespace UploadsGrpc.Server.Upstream;

/// <summary>The lifetime of a web application embedded in the server (the emulator, the admin port): the server owns Ctrl+C and shutdown; the embedded app only follows.</summary>
internal sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
