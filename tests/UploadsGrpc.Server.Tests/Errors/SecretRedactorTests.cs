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
    public void Redacts_keys(string text, string expected) =>
        Assert.Equal(expected, new SecretRedactor(Options.Create(new UpstreamOptions { ApiKey = Key })).Redact(text));

    [Fact]
    public void Redacts_a_configured_key_of_any_shape()
    {
        var redactor = new SecretRedactor(Options.Create(new UpstreamOptions { ApiKey = "custom-gateway-token-42" }));

        Assert.Equal("token [redacted] refused", redactor.Redact("token custom-gateway-token-42 refused"));
    }
}
