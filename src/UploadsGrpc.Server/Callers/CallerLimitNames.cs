using UploadsGrpc.Server.Errors;

namespace UploadsGrpc.Server.Callers;

/// <summary>The caller limits a refusal's reason stands for, as the <c>uploadsgrpc.limit</c> label of uploadsgrpc.caller.limits_hit.</summary>
internal static class CallerLimitNames
{
    public static string? Of(string reason) => reason switch
    {
        FacadeReasons.CallerRateLimited => "rate",
        FacadeReasons.CallerStreamsExhausted => "streams",
        FacadeReasons.UploadTooLarge => "upload_bytes",
        _ => null,
    };
}
