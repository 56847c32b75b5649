using System.Net;
using System.Text;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Tests.Upstream;

/// <summary>Error bodies as the upstream and the proxies in front of it send them, read leniently and exactly.</summary>
public sealed class UpstreamErrorTests
{
    [Theory]
    // body, content type → message, type, param, code
    [InlineData("""{"error": {"message": "Upload not found.", "type": "invalid_request_error", "param": "upload_id", "code": "upload_not_found"}}""", "application/json",
        "Upload not found.", "invalid_request_error", "upload_id", "upload_not_found")]
    [InlineData("""{"error": {"message": "Slow down.", "type": "requests", "param": null, "code": null}, "request_id": "req_1", "extra": [1, 2]}""", "application/json",
        "Slow down.", "requests", null, null)]
    [InlineData("""{"error": {"message": "m", "type": "t", "code": 429}}""", "application/json", "m", "t", null, "429")]
    [InlineData("""{"error": {"message": "m", "code": true, "param": {"nested": 1}}}""", "application/json", "m", null, null, "true")]
    [InlineData("""{"error": "plain words"}""", "application/json", "plain words", null, null, null)]
    [InlineData("""{"error": {"type": "server_error"}}""", "application/json",
        "The upstream answered HTTP 500 InternalServerError with an error without a message.", "server_error", null, null)]
    [InlineData("""{"detail": "not an OpenAI error"}""", "application/json",
        "The upstream answered HTTP 500 InternalServerError with a JSON body that is not an OpenAI error.", null, null, null)]
    [InlineData("""[1, 2, 3]""", "application/json",
        "The upstream answered HTTP 500 InternalServerError with a JSON body that is not an OpenAI error.", null, null, null)]
    [InlineData("<html><body>Bad gateway</body></html>", "text/html",
        "The upstream answered HTTP 500 InternalServerError with a text/html body of 37 bytes.", null, null, null)]
    [InlineData("""{"error": {"message": "cut""", null,
        "The upstream answered HTTP 500 InternalServerError with a non-JSON body of 26 bytes.", null, null, null)]
    [InlineData("", "application/json", "The upstream answered HTTP 500 InternalServerError with an empty body.", null, null, null)]
    public void Parses_the_error_body(string body, string? contentType, string message, string? type, string? param, string? code)
    {
        var error = UpstreamError.Parse(Encoding.UTF8.GetBytes(body), HttpStatusCode.InternalServerError, contentType);

        Assert.Equal(new UpstreamError(message, type, param, code), error);
    }

    [Fact]
    public void A_body_cut_at_the_cap_says_it_was_longer()
    {
        var body = new byte[UpstreamError.MaxBodyBytes];
        Array.Fill(body, (byte)'x');

        var error = UpstreamError.Parse(body, HttpStatusCode.BadGateway, "text/plain");

        Assert.Equal($"The upstream answered HTTP 502 BadGateway with a text/plain body of {UpstreamError.MaxBodyBytes}+ bytes.", error.Message);
    }

    [Fact]
    public void A_field_that_is_not_UTF8_is_left_out_and_the_others_kept()
    {
        byte[] body = [.. """{"error": {"message": "bad """u8, 0xFF, 0xFE, .. """ text", "type": "invalid_request_error", "code": "bad_thing"}}"""u8];

        var error = UpstreamError.Parse(body, HttpStatusCode.BadRequest, "application/json");

        Assert.Equal(new UpstreamError("The upstream answered HTTP 400 BadRequest with an error without a message.", "invalid_request_error", null, "bad_thing"), error);
    }
}
