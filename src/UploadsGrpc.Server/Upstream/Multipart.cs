using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using UploadsGrpc.Server.Upstream.Json;

namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// The multipart bodies the upstream takes: a part of an upload, and a whole file with its form fields. Names are
/// quoted by hand: HttpClient's <c>Add(content, name, fileName)</c> writes them unquoted, which strict parsers refuse.
/// </summary>
internal static class Multipart
{
    private static readonly MediaTypeHeaderValue OctetStream = new("application/octet-stream");

    /// <summary>POST /uploads/{id}/parts: one file field <c>data</c>, sent from the caller's buffer without a copy.</summary>
    public static MultipartFormDataContent ForPart(ReadOnlyMemory<byte> data)
    {
        var part = new ReadOnlyMemoryContent(data);
        part.Headers.ContentType = OctetStream;
        part.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"data\"", FileName = "\"part\"" };
        var form = new MultipartFormDataContent();
        form.Add(part);
        return form;
    }

    /// <summary>POST /files: purpose, optional expiry, and the file part, which may stream from the caller.</summary>
    public static MultipartFormDataContent ForFile(CreateFileForm fields, HttpContent file)
    {
        var form = new MultipartFormDataContent();
        form.Add(Field("purpose", fields.Purpose));
        if (fields.ExpiresAfter is { } expires)
        {
            form.Add(Field("expires_after[anchor]", expires.Anchor));
            form.Add(Field("expires_after[seconds]", expires.Seconds.ToString(CultureInfo.InvariantCulture)));
        }
        file.Headers.ContentType = MediaTypeHeaderValue.TryParse(fields.MimeType, out var type) ? type : new MediaTypeHeaderValue("application/octet-stream");
        // A non-ASCII name also goes as RFC 5987 filename*, with an ASCII stand-in for parsers that only read filename.
        var disposition = new ContentDispositionHeaderValue("form-data") { Name = "\"file\"", FileName = Quote(AsciiStandIn(fields.Filename)) };
        if (!Ascii.IsValid(fields.Filename))
        {
            disposition.FileNameStar = fields.Filename;
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
