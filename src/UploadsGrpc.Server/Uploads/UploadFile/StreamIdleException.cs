namespace UploadsGrpc.Server.Uploads.UploadFile;

/// <summary>The client sent no message for Streaming:IdleTimeout while the stream waited for one.</summary>
internal sealed class StreamIdleException(TimeSpan idleTimeout)
    : Exception($"The client sent no message for {idleTimeout.TotalSeconds:0.###} s (Streaming:IdleTimeout).")
{
    public TimeSpan IdleTimeout { get; } = idleTimeout;
}
