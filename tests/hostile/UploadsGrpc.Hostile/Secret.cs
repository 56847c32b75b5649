using System.Text;

namespace UploadsGrpc.Hostile;

/// <summary>The API key the server is given: distinctive, so any copy of it (or of its middle) anywhere is a leak.</summary>
internal static class Secret
{
    public const string Key = "sk-hostile-K3yZ9qW7-0123456789abcdefSECRETtail";

    /// <summary>A part of the key that no redaction of a prefix or a tail alone would remove.</summary>
    public const string Middle = "K3yZ9qW7-0123456789abcdef";

    /// <summary>A bearer token an upstream error quotes; it must be redacted like the key.</summary>
    public const string BearerToken = "tok-HostileBearer-77aa88bb99cc";

    public static bool In(string? text) => text is not null && (text.Contains(Middle, StringComparison.Ordinal) || text.Contains(BearerToken, StringComparison.Ordinal));

    public static bool In(byte[]? bytes) => bytes is not null && (In(Encoding.Latin1.GetString(bytes)));
}
