using System.Buffers.Text;
using System.Text;
using UploadsGrpc.Server.Errors;

namespace UploadsGrpc.Server.Files;

/// <summary>
/// ListFiles' opaque page token: the upstream cursor (the last file id of the page) and the filters it was issued
/// for, so a token reused with other filters is refused instead of silently skipping or repeating files.
/// </summary>
internal static class PageToken
{
    private const string Version = "1";

    public static string Issue(string filters, string after) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{Version}\n{filters}\n{after}"));

    /// <summary>The cursor in <paramref name="token"/>, or null for an empty token (the first page).</summary>
    public static string? Read(string token, string filters)
    {
        if (token.Length == 0)
        {
            return null;
        }
        string[] fields;
        try
        {
            fields = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token)).Split('\n', 3);
        }
        catch (FormatException)
        {
            fields = [];
        }
        if (fields is not [Version, var issuedFor, { Length: > 0 } after])
        {
            InvalidRequestException.Throw("page_token", "is not a token this service issued; pass next_page_token unchanged, or empty for the first page.");
            return null;
        }
        if (issuedFor != filters)
        {
            InvalidRequestException.Throw("page_token", "was issued for other filters (purpose, purpose_value, order); keep them unchanged while paging.");
        }
        return after;
    }

    /// <summary>The filters a token is bound to, in one string.</summary>
    public static string Filters(string? purpose, string order) => $"{purpose}|{order}";
}
