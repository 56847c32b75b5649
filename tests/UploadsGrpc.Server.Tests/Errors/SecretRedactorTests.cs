using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Errors;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Tests.Errors;

/// <summary>What leaves the process carries no key: ours as configured, and anything shaped like one.</summary>
public sealed class SecretRedactorTests
{
    private const string Key = "sk-live-Secret0123456789abcdef";

    [Theory]
    [InlineData("Incorrect API key provided: sk-live-Secret0123456789abcdef.", "Incorrect API key provided: [redacted].")]
    [InlineData("Incorrect API key provided: sk-proj-abc1********************xyz9.", "Incorrect API key provided: [redacted].")]
    [InlineData("Bearer sk-other-key-0123456789 was refused", "Bearer [redacted] was refused")]
    [InlineData("sk-short is not a key", "sk-short is not a key")]
    [InlineData("Upload upload_abc123 is not pending.", "Upload upload_abc123 is not pending.")]
    [InlineData("Authorization: Bearer eyJhbGciOi.x-y_z; refused", "Authorization: Bearer [redacted]; refused")]
    [InlineData("bearer=gw-token-1 and BEARER: tok/2+abc==", "Bearer [redacted] and Bearer [redacted]")]
    [InlineData("provide your API key using Bearer auth", "provide your API key using Bearer auth")]
    [InlineData("Bearer [redacted] stays as it is", "Bearer [redacted] stays as it is")]
    [InlineData("\"Bearer abcdefgh\"", "\"Bearer [redacted]\"")]
    [InlineData("The bearer of bad news", "The bearer of bad news")]
    public void Redacts_keys(string text, string expected) =>
        Assert.Equal(expected, new SecretRedactor(Options.Create(new UpstreamOptions { ApiKey = Key })).Redact(text));

    [Theory]
    [InlineData("req_1", false)]
    [InlineData("x-sk-live-Secret0123456789abcdef", true)]
    [InlineData("Bearer tok_12345678", true)]
    [InlineData("Bearer auth", false)]
    [InlineData("[redacted]", false)]
    public void Says_whether_a_text_holds_a_secret(string text, bool secret) =>
        Assert.Equal(secret, new SecretRedactor(Options.Create(new UpstreamOptions { ApiKey = Key })).HasSecret(text));

    [Fact]
    public void Redacts_a_configured_key_of_any_shape()
    {
        var redactor = new SecretRedactor(Options.Create(new UpstreamOptions { ApiKey = "custom-gateway-token-42" }));

        Assert.Equal("token [redacted] refused", redactor.Redact("token custom-gateway-token-42 refused"));
    }
}
