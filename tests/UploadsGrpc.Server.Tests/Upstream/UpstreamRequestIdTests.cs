using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Tests.Upstream;

/// <summary>Which x-request-id values may become a trailer, metadata and a log field: the rest are left out.</summary>
public sealed class UpstreamRequestIdTests
{
    private const string Key = "sk-live-Secret0123456789abcdef";

    [Theory]
    [InlineData("req_0123456789abcdef0123456789abcdef", true)]
    [InlineData("a", true)]
    [InlineData("!~", true)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("req 1", false)]
    [InlineData("req\t1", false)]
    [InlineData("req\u00001", false)]
    [InlineData("req\u007f", false)]
    [InlineData("req_\u00e9", false)]
    [InlineData("req_\u00c3\u00a9", false)]
    [InlineData("req_\ud83d\ude00", false)]
    [InlineData("req-" + Key, false)]
    [InlineData("sk-other0123456789", false)]
    [InlineData("bearer=abcdefgh", false)]
    public void Accepts_only_short_visible_ascii_without_a_secret(string? value, bool kept) =>
        Assert.Equal(kept ? value : null, UpstreamRequestId.Accept(value, Key));

    [Fact]
    public void The_length_bound_is_200()
    {
        Assert.Equal(new string('r', 200), UpstreamRequestId.Accept(new string('r', 200), Key));
        Assert.Null(UpstreamRequestId.Accept(new string('r', 201), Key));
        Assert.Null(UpstreamRequestId.Accept(new string('r', 20_000), Key));
    }

    [Fact]
    public void A_configured_key_of_any_shape_is_found()
    {
        Assert.Null(UpstreamRequestId.Accept("x-gateway-token-42-y", "gateway-token-42"));
        Assert.Equal("x-gateway-y", UpstreamRequestId.Accept("x-gateway-y", "gateway-token-42"));
    }
}
