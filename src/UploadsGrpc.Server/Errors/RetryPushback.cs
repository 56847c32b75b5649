using System.Globalization;
using Google.Rpc;
using Grpc.Core;
using RpcStatus = Google.Rpc.Status;

namespace UploadsGrpc.Server.Errors;

/// <summary>
/// A status's RetryInfo also as <c>grpc-retry-pushback-ms</c>, the trailer gRPC clients' own retry policies
/// read (gRFC A6): a client whose service config retries the code waits what the server said, not its backoff.
/// </summary>
internal static class RetryPushback
{
    public const string TrailerName = "grpc-retry-pushback-ms";

    /// <summary>
    /// The status as an exception whose trailers carry its details and, if it has a RetryInfo, the pushback; or
    /// with <paramref name="doNotRetry"/> a negative pushback, which tells a client's retry policy not to retry.
    /// </summary>
    public static RpcException ToRpcExceptionWithPushback(this RpcStatus status, bool doNotRetry = false)
    {
        var exception = status.ToRpcException();
        var retry = status.GetDetail<RetryInfo>();
        if (doNotRetry)
        {
            exception.Trailers.Add(TrailerName, "-1");
        }
        else if (retry?.RetryDelay is { } delay)
        {
            // Whole milliseconds, rounded up so a client never comes back early; a negative value would tell it not to retry.
            var ms = Math.Max(0, (long)Math.Ceiling(delay.ToTimeSpan().TotalMilliseconds));
            exception.Trailers.Add(TrailerName, ms.ToString(CultureInfo.InvariantCulture));
        }
        return exception;
    }
}
