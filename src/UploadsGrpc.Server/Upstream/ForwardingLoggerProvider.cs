namespace UploadsGrpc.Server.Upstream;

/// <summary>Sends the embedded emulator's logs to the server's own logging, so both share one output and format.</summary>
internal sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

    public void Dispose()
    {
        // The server's factory outlives the emulator.
    }
}
