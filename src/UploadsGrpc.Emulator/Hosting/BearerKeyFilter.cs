using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using UploadsGrpc.Emulator.Errors;

namespace UploadsGrpc.Emulator.Hosting;

/// <summary>A 401 with the real API's wording when <c>Authorization: Bearer</c> is missing or (if a key is configured) wrong.</summary>
internal sealed class BearerKeyFilter(IOptions<EmulatorOptions> options) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var key = KeyOf(invocation.HttpContext.Request);
        if (key.Length == 0)
        {
            return ValueTask.FromResult<object?>(ErrorResults.Error(new ApiException(StatusCodes.Status401Unauthorized,
                "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")));
        }
        if (options.Value.ApiKey is { Length: > 0 } expected
            && !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(expected)))
        {
            // The key is not echoed back, unlike upstream's masked echo: it must never reach a log.
            return ValueTask.FromResult<object?>(ErrorResults.Error(new ApiException(StatusCodes.Status401Unauthorized,
                "Incorrect API key provided.", ApiErrors.InvalidRequest, null, "invalid_api_key")));
        }
        return next(invocation);
    }

    /// <summary>The key after <c>Bearer </c>, or empty when the header is missing or another scheme.</summary>
    public static string KeyOf(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : "";
    }
}
