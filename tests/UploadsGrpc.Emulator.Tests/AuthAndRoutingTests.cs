using System.Net;
using System.Net.Http.Headers;
using UploadsGrpc.Emulator.Tests.Infrastructure;

namespace UploadsGrpc.Emulator.Tests;

public sealed class AuthAndRoutingTests(EmulatorServer emulator) : IClassFixture<EmulatorServer>
{
    [Theory]
    [InlineData("GET", "v1/files")]
    [InlineData("POST", "v1/uploads")]
    [InlineData("POST", "v1/uploads/upload_1/cancel")]
    [InlineData("GET", "v1/files/file-1/content")]
    public async Task Without_a_bearer_key_every_api_route_is_401(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        using var response = await emulator.Anonymous.SendAsync(request);
        var error = await Api.ExpectErrorAsync(response, HttpStatusCode.Unauthorized, null);
        Assert.StartsWith("You didn't provide an API key.", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_path_is_404_and_a_wrong_method_405_in_the_api_shape()
    {
        using var unknown = await emulator.Http.GetAsync("v1/batches");
        var error = await Api.ExpectErrorAsync(unknown, HttpStatusCode.NotFound, null);
        Assert.Equal("Invalid URL (GET /v1/batches)", error.GetProperty("message").GetString());
        using var wrongMethod = await emulator.Http.PutAsync("v1/uploads", null);
        await Api.ExpectErrorAsync(wrongMethod, HttpStatusCode.MethodNotAllowed, null);
    }

    [Fact]
    public async Task A_part_that_is_not_multipart_is_a_400()
    {
        var upload = (await emulator.CreateUploadAsync(1)).GetProperty("id").GetString()!;
        using var response = await emulator.Http.PostAsync($"v1/uploads/{upload}/parts", new ByteArrayContent([1]));
        await Api.ExpectErrorAsync(response, HttpStatusCode.BadRequest, null, "invalid_content_type");
    }

    [Fact]
    public async Task A_part_with_another_field_name_is_a_400_naming_it()
    {
        var upload = (await emulator.CreateUploadAsync(1)).GetProperty("id").GetString()!;
        using var form = new MultipartFormDataContent { { new ByteArrayContent([1]), "file", "x" } };
        using var response = await emulator.Http.PostAsync($"v1/uploads/{upload}/parts", form);
        await Api.ExpectErrorAsync(response, HttpStatusCode.BadRequest, "file", "unknown_parameter");
        using var empty = new MultipartFormDataContent { { new ByteArrayContent([]), "data", "x" } };
        using var emptyResponse = await emulator.Http.PostAsync($"v1/uploads/{upload}/parts", empty);
        await Api.ExpectErrorAsync(emptyResponse, HttpStatusCode.BadRequest, "data");
    }
}

/// <summary>With Emulator:ApiKey set, only that key opens /v1, and the key is never echoed.</summary>
public sealed class ConfiguredKeyTests() : IAsyncLifetime
{
    private readonly EmulatorServer _emulator = EmulatorServer.With(new Dictionary<string, string?> { ["Emulator:ApiKey"] = "sk-the-right-one" });

    public Task InitializeAsync() => _emulator.InitializeAsync();

    public Task DisposeAsync() => _emulator.DisposeAsync();

    [Fact]
    public async Task A_wrong_key_is_401_invalid_api_key_and_the_right_one_passes()
    {
        using var wrong = await _emulator.Http.GetAsync("v1/files");
        var error = await Api.ExpectErrorAsync(wrong, HttpStatusCode.Unauthorized, null, "invalid_api_key");
        Assert.DoesNotContain("sk-emulator-tests", error.GetRawText(), StringComparison.Ordinal);

        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/files");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-the-right-one");
        using var right = await _emulator.Anonymous.SendAsync(request);
        await Api.ExpectAsync(right, HttpStatusCode.OK);
    }
}
