using System.Globalization;

namespace UploadsGrpc.Server.Protocol;

/// <summary>
/// grpc-dotnet ignores a grpc-timeout that rounds to zero ticks ("0S", "1n" … "99n") and runs the call with no
/// deadline at all, so a caller whose deadline has all but passed got a call that could run for minutes. Such a
/// timeout becomes one tick (100 ns), which grpc-dotnet honours: the call ends DEADLINE_EXCEEDED at once.
/// </summary>
internal sealed class ExpiredTimeoutMiddleware(RequestDelegate next)
{
    internal const string TimeoutHeader = "grpc-timeout";
    internal const string OneTick = "100n";

    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Request.Headers;
        if (headers.TryGetValue(TimeoutHeader, out var values) && values.Count == 1 && RoundsToZero(values[0]))
        {
            headers[TimeoutHeader] = OneTick;
        }
        return next(context);
    }

    /// <summary>A well-formed timeout (1–8 digits and a unit, as the gRPC spec writes it) shorter than one tick.</summary>
    internal static bool RoundsToZero(string? value)
    {
        if (value is null || value.Length is < 2 or > 9
            || !long.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }
        return value[^1] switch
        {
            'n' => amount < 100,
            'u' or 'm' or 'S' or 'M' or 'H' => amount == 0,
            _ => false,
        };
    }
}
