namespace UploadsGrpc.Server.Callers;

/// <summary>The token of an <c>authorization: Bearer</c> header.</summary>
internal static class BearerToken
{
    /// <summary>The token (empty when the header says Bearer and nothing more), or null when there is no bearer header.</summary>
    public static string? Read(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string Prefix = "Bearer ";
        return header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) ? header[Prefix.Length..].Trim()
            : header.Trim().Equals("Bearer", StringComparison.OrdinalIgnoreCase) ? ""
            : null;
    }
}
