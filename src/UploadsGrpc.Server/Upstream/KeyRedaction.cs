using System.Text.RegularExpressions;

namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// What counts as a secret in text from the upstream: the configured key, anything shaped like an OpenAI key, and a
/// bearer credential of any shape. Here rather than in Errors because the upstream client checks what it reads
/// (the request id) before anything else sees it; the error mapper applies it to outgoing text.
/// </summary>
internal static partial class KeyRedaction
{
    public const string Mask = "[redacted]";

    public static string Redact(string text, string? apiKey)
    {
        if (apiKey is { Length: > 0 })
        {
            text = text.Replace(apiKey, Mask, StringComparison.Ordinal);
        }
        // A bearer credential of any shape (a gateway's token is not sk-…): the word stays, the token goes.
        text = BearerPattern().Replace(text, "Bearer " + Mask);
        // Also keys that are not ours, or partly masked ones the upstream echoes ("sk-proj-abc***xyz").
        return KeyPattern().Replace(text, Mask);
    }

    /// <summary>True when <paramref name="text"/> holds something <see cref="Redact"/> would remove.</summary>
    public static bool HasSecret(string text, string? apiKey) => Redact(text, apiKey) != text;

    [GeneratedRegex(@"sk-[A-Za-z0-9_\-\*]{8,}", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();

    // "Bearer", then a token (RFC 6750's b64token) of 8 chars or more: prose ("Bearer auth", "the bearer of") stays.
    [GeneratedRegex(@"\bbearer[\s:=]+[A-Za-z0-9\-._~+/]{8,}=*", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex BearerPattern();
}
