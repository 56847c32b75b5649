using System.Net;
using Grpc.Core;

namespace UploadsGrpc.Server.Errors;

/// <summary>The error table (README.md, "Errors"): an upstream HTTP status to a gRPC status code.</summary>
internal static class HttpStatusMapping
{
    public static StatusCode ToStatusCode(HttpStatusCode status) => (int)status switch
    {
        400 or 413 or 422 => StatusCode.InvalidArgument,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.NotFound,
        408 or 504 => StatusCode.DeadlineExceeded,
        409 => StatusCode.Aborted,
        429 => StatusCode.ResourceExhausted,
        501 => StatusCode.Unimplemented,
        502 or 503 => StatusCode.Unavailable,
        // INTERNAL rather than UNAVAILABLE: a client's automatic retries must not replay a non-idempotent call.
        >= 500 and <= 599 => StatusCode.Internal,
        >= 400 and <= 499 => StatusCode.FailedPrecondition,
        // 1xx/3xx reach here only if redirects were not followed: the call did not do what was asked.
        _ => StatusCode.Internal,
    };

    /// <summary>
    /// The ErrorInfo reason of an upstream error: its code, else its type, in UPPER_SNAKE, else HTTP_status. A code
    /// or type that does not make a reason ErrorInfo allows (too long, starting with a digit) is passed over.
    /// </summary>
    public static string Reason(string? code, string? type, HttpStatusCode status) =>
        AsReason(code) ?? AsReason(type) ?? $"HTTP_{(int)status}";

    private static string? AsReason(string? value) => ToUpperSnake(value) is { } reason && ErrorText.IsReason(reason) ? reason : null;

    internal static string? ToUpperSnake(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        var chars = new char[value.Length * 2];
        var length = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsAsciiLetterOrDigit(c))
            {
                // camelCase boundaries become underscores too: "rateLimit" -> RATE_LIMIT.
                if (char.IsAsciiLetterUpper(c) && i > 0 && char.IsAsciiLetterLower(value[i - 1]) && length > 0 && chars[length - 1] != '_')
                {
                    chars[length++] = '_';
                }
                chars[length++] = char.ToUpperInvariant(c);
            }
            else if (length > 0 && chars[length - 1] != '_')
            {
                chars[length++] = '_';
            }
        }
        while (length > 0 && chars[length - 1] == '_')
        {
            length--;
        }
        return length == 0 ? null : new string(chars, 0, length);
    }
}
