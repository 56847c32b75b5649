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
