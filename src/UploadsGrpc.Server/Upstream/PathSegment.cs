namespace UploadsGrpc.Server.Upstream;

/// <summary>Turns a caller's ID into exactly one path segment of the upstream URL.</summary>
internal static class PathSegment
{
    /// <summary>
    /// Percent-encodes everything but RFC 3986 unreserved characters, so <c>a/b</c> becomes <c>a%2Fb</c> and
    /// <c>%2e%2e</c> becomes <c>%252e%252e</c>: no ID can add a segment, a query or a dot-segment.
    /// IDs that are empty, dot-segments or hold control characters are refused earlier, by validation.
    /// </summary>
    public static string Encode(string id) => Uri.EscapeDataString(id);
}
