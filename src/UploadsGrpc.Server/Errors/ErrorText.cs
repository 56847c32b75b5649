using System.Text.RegularExpressions;

namespace UploadsGrpc.Server.Errors;

/// <summary>What google.rpc.ErrorInfo asks of a reason, so that a client can switch on it.</summary>
internal static partial class ErrorText
{
    /// <summary>UPPER_SNAKE, at most 63 chars, from a letter to a letter or digit.</summary>
    public static bool IsReason(string? reason) => reason is not null && ReasonPattern().IsMatch(reason);

    // \z, not $: $ would also match before a final newline.
    [GeneratedRegex(@"^[A-Z][A-Z0-9_]{0,61}[A-Z0-9]\z", RegexOptions.CultureInvariant)]
    private static partial Regex ReasonPattern();
}
