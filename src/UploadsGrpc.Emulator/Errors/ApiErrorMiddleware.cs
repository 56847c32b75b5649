namespace UploadsGrpc.Emulator.Errors;

/// <summary>
/// Turns every failure into the real API's error body, so clients meet the same shapes as upstream:
/// ApiException as itself, a body over Kestrel's limit as 413, an unknown path as 404 and a wrong method as 405, anything
/// else as a 500 server_error that leaves the emulator serving.
/// </summary>
internal sealed partial class ApiErrorMiddleware(RequestDelegate next, ILogger<ApiErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext http)
    {
        // Every answer carries a request id, as the real API's do.
        http.Response.Headers["x-request-id"] = Hosting.Ids.Request();
        try
        {
            await next(http);
            if (http.Response.StatusCode is StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed
                && !http.Response.HasStarted && http.GetEndpoint() is null or { DisplayName: "405 HTTP Method Not Supported" })
            {
                await ErrorResults.WriteAsync(http, new ApiException(http.Response.StatusCode,
                    $"Invalid URL ({http.Request.Method} {http.Request.Path})"));
            }
        }
        catch (ApiException error) when (!http.Response.HasStarted)
        {
            await ErrorResults.WriteAsync(http, error);
        }
        catch (BadHttpRequestException error) when (!http.Response.HasStarted)
        {
            await ErrorResults.WriteAsync(http, new ApiException(error.StatusCode,
                error.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is too large." : "The request could not be read."));
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is left to answer.
        }
        catch (Exception error) when (!http.Response.HasStarted)
        {
            LogUnexpected(logger, error, http.Request.Method, http.Request.Path);
            await ErrorResults.WriteAsync(http, new ApiException(StatusCodes.Status500InternalServerError,
                "The server had an error while processing your request.", ApiErrors.ServerError));
        }
    }

    // The emulator's ids start at 9001, so its events never share an id with the server's (docs/log-events.md) when it
    // runs embedded and both write to one log.
    [LoggerMessage(EventId = 9001, EventName = "EmulatorRequestFailed", Level = LogLevel.Error, Message = "Emulator failed on {Method} {Path}")]
    private static partial void LogUnexpected(ILogger logger, Exception error, string method, string path);
}
