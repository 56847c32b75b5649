using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using UploadsGrpc.Server.Mapping;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Files;

/// <summary>The multipart body of POST /files: purpose, optional expiry, and the file part streamed from the caller.</summary>
internal static class FileMultipart
{
    public static MultipartFormDataContent MapToMultipart(CreateFileMetadata metadata, HttpContent file)
    {
        var form = new MultipartFormDataContent();
        form.Add(Field("purpose", RequestMapper.MapToPurpose(metadata.Purpose, metadata.PurposeValue)));
        if (RequestMapper.MapToExpiresAfter(metadata.ExpiresAfter) is { } expires)
        {
            form.Add(Field("expires_after[anchor]", expires.Anchor));
            form.Add(Field("expires_after[seconds]", expires.Seconds.ToString(CultureInfo.InvariantCulture)));
        }
        file.Headers.ContentType = MediaTypeHeaderValue.TryParse(metadata.MimeType, out var type) ? type : new MediaTypeHeaderValue("application/octet-stream");
        // Quoted by hand (HttpClient leaves names bare, which strict parsers refuse); a non-ASCII name also goes
        // as RFC 5987 filename*, with an ASCII stand-in for parsers that only read filename.
        var disposition = new ContentDispositionHeaderValue("form-data") { Name = "\"file\"", FileName = Quote(AsciiStandIn(metadata.Filename)) };
        if (!System.Text.Ascii.IsValid(metadata.Filename))
        {
            disposition.FileNameStar = metadata.Filename;
        }
        file.Headers.ContentDisposition = disposition;
        form.Add(file);
        return form;
    }

    private static StringContent Field(string name, string value)
    {
        var content = new StringContent(value, Encoding.UTF8);
        content.Headers.ContentType = null;
        content.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = Quote(name) };
        return content;
    }

    private static string AsciiStandIn(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            builder.Append(c is >= ' ' and < '\u007f' and not '"' and not '\\' ? c : '_');
        }
        return builder.ToString();
    }

    private static string Quote(string value) => $"\"{value}\"";
}
