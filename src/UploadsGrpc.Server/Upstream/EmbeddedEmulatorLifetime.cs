namespace UploadsGrpc.Server.Upstream;

/// <summary>The embedded emulator's host lifetime: the server owns Ctrl+C and shutdown; the embedded app only follows.</summary>
internal sealed class EmbeddedEmulatorLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
