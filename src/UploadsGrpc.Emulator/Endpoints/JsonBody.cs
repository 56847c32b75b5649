using System.Text.Json;
using UploadsGrpc.Emulator.Errors;

namespace UploadsGrpc.Emulator.Endpoints;

/// <summary>
/// Reads a JSON request body field by field, so every mistake gets the real API's 400 naming the parameter
/// (a missing one, a wrong type, an unknown argument) rather than a framework's generic answer.
/// </summary>
internal sealed class JsonBody : IDisposable
{
    private const long MaxBytes = 1024 * 1024;
    private readonly JsonDocument _document;

    private JsonBody(JsonDocument document) => _document = document;

    public static async Task<JsonBody> ReadAsync(HttpRequest request, IReadOnlyCollection<string> allowed)
    {
        BodyLimit.Set(request, MaxBytes);
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
        }
        catch (JsonException)
        {
            throw new ApiException(StatusCodes.Status400BadRequest,
                "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)");
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            ApiErrors.ThrowBadRequest("The request body must be a JSON object.");
        }
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (!allowed.Contains(property.Name))
            {
                var name = property.Name;
                document.Dispose();
                ApiErrors.ThrowBadRequest($"Unrecognized request argument supplied: {name}", name, "unknown_parameter");
            }
        }
        return new JsonBody(document);
    }

    public JsonElement Root => _document.RootElement;

    public string RequiredString(string name) =>
        OptionalString(name) is { Length: > 0 } value ? value : throw Missing(name);

    public string? OptionalString(string name) => OptionalString(Root, name, name);

    public static string? OptionalString(JsonElement parent, string name, string param) =>
        Get(parent, name) switch
        {
            null => null,
            { ValueKind: JsonValueKind.String } value => value.GetString(),
            _ => throw InvalidType(param, "a string"),
        };

    public static long? OptionalInt64(JsonElement parent, string name, string param) =>
        Get(parent, name) switch
        {
            null => null,
            { ValueKind: JsonValueKind.Number } value when value.TryGetInt64(out var number) => number,
            _ => throw InvalidType(param, "an integer"),
        };

    public static JsonElement? Get(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public static ApiException Missing(string param) =>
        new(StatusCodes.Status400BadRequest, $"Missing required parameter: '{param}'.", ApiErrors.InvalidRequest, param, "missing_required_parameter");

    public static ApiException InvalidType(string param, string expected) =>
        new(StatusCodes.Status400BadRequest, $"Invalid type for '{param}': expected {expected}.", ApiErrors.InvalidRequest, param, "invalid_type");

    public void Dispose() => _document.Dispose();
}
