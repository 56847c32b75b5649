using Microsoft.AspNetCore.Http.Features;

namespace UploadsGrpc.Emulator.Endpoints;

/// <summary>Kestrel's body limit is off for the emulator; each route sets the one that fits what it reads.</summary>
internal static class BodyLimit
{
    public static void Set(HttpRequest request, long maxBytes)
    {
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }
    }
}
