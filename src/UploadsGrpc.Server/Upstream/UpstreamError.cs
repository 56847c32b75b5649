using System.Net;
using System.Text.Json;

namespace UploadsGrpc.Server.Upstream;

/// <summary>The fields of an upstream error body <c>{"error": {message, type, param, code}}</c>.</summary>
internal sealed record UpstreamError(string Message, string? Type, string? Param, string? Code)
{
    /// <summary>Cap on how much of an error body is read: error bodies are small, a proxy's page may not be.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>
    /// Reads an error body leniently: keys beside <c>error</c> are ignored, <c>code</c> may be a string or a
    /// number, and an HTML, empty or truncated body becomes a message that says what came instead.
    /// </summary>
    public static UpstreamError Parse(ReadOnlySpan<byte> body, HttpStatusCode status, string? contentType)
    {
        if (!body.IsEmpty)
        {
            try
            {
                var reader = new Utf8JsonReader(body);
                using var document = JsonDocument.ParseValue(ref reader);
                if (document.RootElement.ValueKind == JsonValueKind.Object
                    && document.RootElement.TryGetProperty("error", out var error))
                {
                    if (error.ValueKind == JsonValueKind.Object)
                    {
                        var message = ReadString(error, "message");
                        return new UpstreamError(
                            string.IsNullOrEmpty(message) ? Describe(status, "an error without a message") : message,
                            ReadString(error, "type"),
                            ReadString(error, "param"),
                            ReadString(error, "code"));
                    }
                    if (error.ValueKind == JsonValueKind.String)
                    {
                        return new UpstreamError(error.GetString()!, null, null, null);
                    }
                }
                return new UpstreamError(Describe(status, "a JSON body that is not an OpenAI error"), null, null, null);
            }
            catch (JsonException)
            {
                // Not JSON at all: a proxy's HTML page, plain text or a truncated body.
            }
        }
        var what = body.IsEmpty
            ? "an empty body"
            : $"a {(string.IsNullOrEmpty(contentType) ? "non-JSON" : contentType)} body of {body.Length}{(body.Length >= MaxBodyBytes ? "+" : "")} bytes";
        return new UpstreamError(Describe(status, what), null, null, null);
    }

    /// <summary>
    /// The error with every secret masked and every text cut to what a status may carry (message 1024 chars, the
    /// others 256), done once where it is read, so no status, detail or log line downstream gets the raw text.
    /// </summary>
    public UpstreamError Bounded(string? apiKey) => new(
        TextBounds.Cut(KeyRedaction.Redact(Message, apiKey), TextBounds.MaxMessageChars),
        Bound(Type, apiKey), Bound(Param, apiKey), Bound(Code, apiKey));

    private static string? Bound(string? text, string? apiKey) =>
        text is null ? null : TextBounds.Cut(KeyRedaction.Redact(text, apiKey), TextBounds.MaxDetailChars);

    private static string Describe(HttpStatusCode status, string what) =>
        $"The upstream answered HTTP {(int)status} {ReasonPhrase(status)} with {what}.";

    private static string ReasonPhrase(HttpStatusCode status) =>
        Enum.IsDefined(status) ? status.ToString() : "";

    private static string? ReadString(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value))
        {
            return null;
        }
        try
        {
            return value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
                _ => null,
            };
        }
        catch (InvalidOperationException)
        {
            // A string that is not valid UTF-8: the reader checks structure, not text, until a string is read.
            // That one field is left out; the rest of the error still names what went wrong.
            return null;
        }
    }
}
