namespace UploadsGrpc.Server.Limits;

/// <summary>
/// The largest request message one method takes: <paramref name="First"/> for its first message, and
/// <paramref name="Later"/> for the rest (a stream's chunks), which <paramref name="LaterWhat"/> names in refusals.
/// </summary>
internal sealed record MethodFrameLimit(int First, int Later, string LaterWhat)
{
    public static MethodFrameLimit Uniform(int bytes) => new(bytes, bytes, "a message");
}
