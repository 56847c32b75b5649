using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using UploadsGrpc.Emulator.Errors;

namespace UploadsGrpc.Emulator.Endpoints;

/// <summary>A streaming reader over a multipart/form-data body: sections are read as they arrive, never buffered whole.</summary>
internal static class Multipart
{
    public static MultipartReader Open(HttpRequest request, long maxBodyBytes)
    {
        BodyLimit.Set(request, maxBodyBytes);
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 } boundary)
        {
            throw new ApiException(StatusCodes.Status400BadRequest,
                "The request must be multipart/form-data with a boundary.", ApiErrors.InvalidRequest, null, "invalid_content_type");
        }
        return new MultipartReader(boundary, request.Body);
    }

    /// <summary>The form field name of a section and its file name (the RFC 5987 <c>filename*</c> wins, for non-ASCII names).</summary>
    public static (string Name, string? FileName) Describe(MultipartSection section)
    {
        if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
            || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(disposition.Name).Value is not { Length: > 0 } name)
        {
            throw new ApiException(StatusCodes.Status400BadRequest, "Each multipart section needs a form-data Content-Disposition with a name.");
        }
        var fileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
        return (name, string.IsNullOrEmpty(fileName) ? null : fileName);
    }

    /// <summary>A small text field's value; a field over 4 KiB is a 400.</summary>
    public static async Task<string> ReadFieldAsync(MultipartSection section, string name, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(section.Body);
        var buffer = new char[4 * 1024 + 1];
        var read = await reader.ReadBlockAsync(buffer.AsMemory(), cancellationToken);
        if (read > 4 * 1024)
        {
            ApiErrors.ThrowBadRequest($"'{name}' is too long.", name);
        }
        return new string(buffer, 0, read);
    }
}
