namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// The bounds on upstream text that ends up in a status: grpc-message and the details travel in HTTP/2 trailers,
/// and a client refuses trailers over its metadata limit (8 KiB in grpc-dotnet and grpc-go), which turns any status
/// into RESOURCE_EXHAUSTED or INTERNAL at the client. Applied where upstream text is read (so retries' and clean-ups'
/// log lines are bounded too) and again where a status is built.
/// </summary>
internal static class TextBounds
{
    /// <summary>The longest grpc-message, in UTF-16 chars, the cut mark included.</summary>
    public const int MaxMessageChars = 1024;

    /// <summary>The longest ErrorInfo metadata value, BadRequest field or description.</summary>
    public const int MaxDetailChars = 256;

    public const string CutMark = "…";

    /// <summary>The text, or its first <paramref name="max"/> − 1 chars and "…"; never splits a surrogate pair.</summary>
    public static string Cut(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }
        var keep = max - CutMark.Length;
        if (keep > 0 && char.IsHighSurrogate(text[keep - 1]))
        {
            keep--;
        }
        return string.Concat(text.AsSpan(0, keep), CutMark);
    }

    /// <summary>The text on one line: a log line is one line, whatever the upstream put in its message.</summary>
    public static string OneLine(string text)
    {
        if (!text.AsSpan().ContainsAnyInRange('\0', '\x1f') && !text.Contains('\x7f', StringComparison.Ordinal))
        {
            return text;
        }
        return string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? ' ' : source[i];
            }
        });
    }
}
