namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// The upstream's <c>x-request-id</c>, checked once where it is read: it becomes a gRPC trailer, ErrorInfo metadata
/// and a log field, and a value with a byte a trailer cannot carry resets the call, a long one overflows the
/// client's metadata limit, and one that quotes the key leaks it. Anything else is left out; the call is unchanged.
/// </summary>
internal static class UpstreamRequestId
{
    /// <summary>The longest id kept; OpenAI's are 36 chars ("req_" and 32 hex digits).</summary>
    public const int MaxLength = 200;

    /// <summary><paramref name="value"/> when it is 1–200 visible ASCII chars (0x21–0x7E) holding no secret, else null.</summary>
    public static string? Accept(string? value, string? apiKey)
    {
        if (value is not { Length: >= 1 and <= MaxLength })
        {
            return null;
        }
        foreach (var c in value)
        {
            if (c is < '!' or > '~')
            {
                return null;
            }
        }
        return KeyRedaction.HasSecret(value, apiKey) ? null : value;
    }
}
