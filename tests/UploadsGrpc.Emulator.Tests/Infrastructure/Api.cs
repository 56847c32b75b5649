using System.Net;
using System.Text.Json;

namespace UploadsGrpc.Emulator.Tests.Infrastructure;

/// <summary>Assertions on the real API's shapes.</summary>
public static class Api
{
    public static async Task<JsonElement> ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.True(response.Headers.Contains("x-request-id"), "every answer carries x-request-id");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The OpenAI error envelope with exactly these values; param and code are present even when null.</summary>
    public static async Task<JsonElement> ExpectErrorAsync(HttpResponseMessage response, HttpStatusCode status, string? param, string? code = null, string type = "invalid_request_error")
    {
        var body = await ExpectAsync(response, status);
        var error = body.GetProperty("error");
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").ValueKind == JsonValueKind.Null ? null : error.GetProperty("param").GetString());
        Assert.Equal(code, error.GetProperty("code").ValueKind == JsonValueKind.Null ? null : error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        return error;
    }

    public static string Md5(byte[] data) => Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(data));

    public static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
