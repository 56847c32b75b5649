using UploadsGrpc.Emulator.Json;

namespace UploadsGrpc.Emulator.Errors;

/// <summary>Writes the real API's error body.</summary>
internal static class ErrorResults
{
    public static IResult Error(ApiException error) =>
        Results.Json(ToBody(error), EmulatorJson.Context.ErrorBody, statusCode: error.Status);

    public static Task WriteAsync(HttpContext http, ApiException error)
    {
        http.Response.StatusCode = error.Status;
        return http.Response.WriteAsJsonAsync(ToBody(error), EmulatorJson.Context.ErrorBody, contentType: null, http.RequestAborted);
    }

    private static ErrorBody ToBody(ApiException error) => new(new ErrorDetail(error.Message, error.Type, error.Param, error.Code));
}
