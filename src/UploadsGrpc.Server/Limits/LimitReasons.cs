namespace UploadsGrpc.Server.Limits;

/// <summary>ErrorInfo reasons of the request frame guard, in the façade's domain: stable, clients switch on them.</summary>
public static class LimitReasons
{
    public const string MessageTooLarge = "MESSAGE_TOO_LARGE";
    public const string MalformedFrame = "MALFORMED_FRAME";
    public const string MemoryExhausted = "MEMORY_EXHAUSTED";
}
