using System.Globalization;

namespace UploadsGrpc.Server.Protocol;

/// <summary>
/// grpc-dotnet ignores a grpc-timeout that rounds to zero ticks ("0S", "1n" … "99n") and runs the call with no
/// deadline at all, so a caller whose deadline had all but passed got a call that could run for minutes (and a
/// one-tick deadline would only race the handler). Such a call is answered DEADLINE_EXCEEDED before it runs, as
/// a trailers-only response; StatusDetailsMiddleware, around this one, gives it its ErrorInfo.
/// </summary>
internal sealed class ExpiredTimeoutMiddleware(RequestDelegate next)
{
    internal const string TimeoutHeader = "grpc-timeout";

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Headers.TryGetValue(TimeoutHeader, out var values) && values.Count == 1 && RoundsToZero(values[0]))
        {
            var response = context.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/grpc";
            response.Headers[StatusDetailsMiddleware.StatusHeader] = ((int)Grpc.Core.StatusCode.DeadlineExceeded).ToString(CultureInfo.InvariantCulture);
            response.Headers[StatusDetailsMiddleware.MessageHeader] = Uri.EscapeDataString($"The call's deadline (grpc-timeout {values[0]}) had passed when it arrived.");
            return Task.CompletedTask;
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
