using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Tests.Upstream;

/// <summary>Which upstream a configuration gets: the emulator only when asked for, or in Development with nothing set.</summary>
public sealed class UpstreamModeRuleTests
{
    [Theory]
    // mode, key, base URL, Development → the upstream, or null for "refuses to start"
    [InlineData(null, false, false, true, UpstreamMode.Emulator)]
    [InlineData(null, true, false, true, UpstreamMode.OpenAI)]
    [InlineData(null, false, true, true, UpstreamMode.OpenAI)]
    [InlineData(null, true, true, false, UpstreamMode.OpenAI)]
    [InlineData(null, false, false, false, null)]
    [InlineData(null, false, true, false, null)]
    [InlineData(UpstreamMode.Emulator, true, true, false, UpstreamMode.Emulator)]
    [InlineData(UpstreamMode.Emulator, false, false, false, UpstreamMode.Emulator)]
    [InlineData(UpstreamMode.OpenAI, false, false, true, UpstreamMode.OpenAI)]
    [InlineData(UpstreamMode.OpenAI, false, false, false, null)]
    public void The_upstream_mode_rule(UpstreamMode? mode, bool hasKey, bool hasBaseUrl, bool isDevelopment, UpstreamMode? expected)
    {
        var (resolved, reason) = UpstreamModeRule.Resolve(mode, hasKey, hasBaseUrl, isDevelopment);

        Assert.Equal(expected, resolved);
        if (expected is null)
        {
            Assert.Contains("OPENAI_API_KEY", reason, StringComparison.Ordinal);
        }
    }
}
