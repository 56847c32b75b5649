using System.Text;

namespace UploadsGrpc.Server.Callers;

/// <summary>
/// Envoy's <c>x-forwarded-client-cert</c>: elements separated by commas, each <c>Key=Value</c> pairs separated by
/// semicolons, values optionally double-quoted with backslash escapes. Parsed by hand because no .NET library
/// reads it; only the URI SAN is used, from the last element, which the nearest proxy (the sidecar) appended.
/// </summary>
internal static class ForwardedClientCert
{
    /// <summary>The first URI (a SPIFFE ID in Istio) of the last element, or null when it has none or the header is malformed.</summary>
    public static string? LastUri(string header)
    {
        if (!IsBalanced(header))
        {
            return null;
        }
        string? uri = null;
        foreach (var element in Split(header, ','))
        {
            uri = null;
            foreach (var pair in Split(element, ';'))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                // Envoy writes one URI pair per URI SAN; the first is the caller, as for a certificate on this port.
                if (uri is null && equals > 0 && pair[..equals].Trim().Equals("URI", StringComparison.OrdinalIgnoreCase))
                {
                    uri = Unquote(pair[(equals + 1)..].Trim());
                }
            }
        }
        return uri is { Length: > 0 } ? uri : null;
    }

    /// <summary>
    /// Whether every quote is closed. A sidecar appends its own element to the caller's header (Istio's
    /// APPEND_FORWARD); a caller's unclosed quote would swallow the comma before it and pass off the caller's own
    /// URI as the last element's. The sidecar's element is always well formed, so an open quote at the end can
    /// only be such a forgery, and the header is refused.
    /// </summary>
    public static bool IsBalanced(string header)
    {
        var quoted = false;
        for (var i = 0; i < header.Length; i++)
        {
            switch (header[i])
            {
                case '\\' when quoted:
                    if (++i == header.Length)
                    {
                        return false;
                    }
                    break;
                case '"':
                    quoted = !quoted;
                    break;
            }
        }
        return !quoted;
    }

    private static List<string> Split(string text, char separator)
    {
        List<string> parts = [];
        var start = 0;
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '\\' when quoted:
                    i++;
                    break;
                case '"':
                    quoted = !quoted;
                    break;
                case var c when c == separator && !quoted:
                    parts.Add(text[start..i]);
                    start = i + 1;
                    break;
            }
        }
        parts.Add(text[start..]);
        return parts;
    }

    private static string Unquote(string value)
    {
        if (value.Length < 2 || value[0] != '"' || value[^1] != '"')
        {
            return value;
        }
        var text = new StringBuilder(value.Length);
        for (var i = 1; i < value.Length - 1; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length - 1)
            {
                i++;
            }
            text.Append(value[i]);
        }
        return text.ToString();
    }
}
