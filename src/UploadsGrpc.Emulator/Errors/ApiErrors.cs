using System.Diagnostics.CodeAnalysis;

namespace UploadsGrpc.Emulator.Errors;

/// <summary>The errors the emulator answers, worded as the real API words them where it is known.</summary>
internal static class ApiErrors
{
    public const string InvalidRequest = "invalid_request_error";
    public const string ServerError = "server_error";

    [DoesNotReturn]
    public static void ThrowBadRequest(string message, string? param = null, string? code = null) =>
        throw new ApiException(StatusCodes.Status400BadRequest, message, InvalidRequest, param, code);

    [DoesNotReturn]
    public static void ThrowNoSuchUpload(string id) =>
        throw new ApiException(StatusCodes.Status404NotFound, $"No such Upload object: {id}", InvalidRequest, "id");

    [DoesNotReturn]
    public static void ThrowNoSuchFile(string id) =>
        throw new ApiException(StatusCodes.Status404NotFound, $"No such File object: {id}", InvalidRequest, "id");

    /// <summary>A pending upload is the only one that takes parts, completes or cancels.</summary>
    [DoesNotReturn]
    public static void ThrowNotPending(string uploadId, string status, string action) =>
        ThrowBadRequest($"Cannot {action} Upload {uploadId}: its status is '{status}', not 'pending'.", code: "upload_not_pending");
}
