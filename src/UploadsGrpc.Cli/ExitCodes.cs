using Grpc.Core;

namespace UploadsGrpc.Cli;

/// <summary>The exit codes scripts can rely on; README.md lists them.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int InvalidArgument = 3;
    public const int NotFound = 4;
    /// <summary>Worth retrying later: the server or upstream is unavailable, busy or out of time.</summary>
    public const int Unavailable = 5;
    public const int Unauthenticated = 6;
    /// <summary>128 + SIGINT, as shells report an interrupted command.</summary>
    public const int Interrupted = 130;

    /// <summary>
    /// A connection that ended before any gRPC response is worth retrying whatever status the client library
    /// gave it: grpc-dotnet says INTERNAL when the server closes during the HTTP/2 handshake (as a TLS 1.3
    /// server does when it refuses the client's certificate) and UNAVAILABLE when it sees the reset first.
    /// </summary>
    public static int From(RpcException ex) =>
        ex.StatusCode == StatusCode.Internal && ex.Status.DebugException is HttpRequestException ? Unavailable : From(ex.StatusCode);

    public static int From(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument or StatusCode.OutOfRange or StatusCode.FailedPrecondition => InvalidArgument,
        StatusCode.NotFound => NotFound,
        StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted or StatusCode.Aborted => Unavailable,
        StatusCode.Unauthenticated or StatusCode.PermissionDenied => Unauthenticated,
        StatusCode.Cancelled => Interrupted,
        _ => Failed,
    };
}
