using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace UploadsGrpc.Server.Tests.Infrastructure;

/// <summary>The answers of the upstream REST API that <see cref="ScriptedHandler"/> scripts give.</summary>
internal static class UpstreamResponses
{
    /// <summary>200 with the UploadPart object of POST /uploads/{id}/parts.</summary>
    public static HttpResponseMessage Part(string partId, string uploadId) =>
        Json(HttpStatusCode.OK, new JsonObject
        {
            ["id"] = partId,
            ["object"] = "upload.part",
            ["created_at"] = 1,
            ["upload_id"] = uploadId,
        }.ToJsonString());

    /// <summary>An OpenAI error body <c>{"error": {...}}</c> with <paramref name="status"/>, and retry-after-ms when given.</summary>
    public static HttpResponseMessage Error(HttpStatusCode status, string message, string type, string? retryAfterMs = null)
    {
        var response = Json(status, new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = null, ["code"] = null },
        }.ToJsonString());
        if (retryAfterMs is not null)
        {
            response.Headers.TryAddWithoutValidation("retry-after-ms", retryAfterMs);
        }
        return response;
    }

    /// <summary><paramref name="json"/> as given, which need not be valid JSON.</summary>
    public static HttpResponseMessage Json(HttpStatusCode status, string json) =>
        new(status)
        {
            Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
}
