using UploadsGrpc.Server.Callers;

namespace UploadsGrpc.Server.Tests.Callers;

/// <summary>Which auth mode a configuration gets: the one set; else None where no real key is spent; else no start.</summary>
public sealed class AuthModeRuleTests
{
    [Theory]
    // mode, Development, embedded emulator → the mode, and the reason the start-up line gives
    [InlineData(AuthMode.Jwt, false, false, AuthMode.Jwt, "Auth:Mode")]
    [InlineData(AuthMode.Mesh, true, false, AuthMode.Mesh, "Auth:Mode")]
    [InlineData(AuthMode.ApiKeys, false, true, AuthMode.ApiKeys, "Auth:Mode")]
    [InlineData(AuthMode.None, false, false, AuthMode.None, "Auth:Mode")]
    [InlineData(null, true, false, AuthMode.None, "the Development environment with no Auth:Mode set")]
    [InlineData(null, true, true, AuthMode.None, "the Development environment with no Auth:Mode set")]
    [InlineData(null, false, true, AuthMode.None, "the embedded emulator, which holds no OpenAI key, with no Auth:Mode set")]
    public void A_mode_is_resolved(AuthMode? mode, bool isDevelopment, bool emulated, AuthMode expected, string reason)
    {
        var (resolved, why) = AuthModeRule.Resolve(mode, isDevelopment, emulated);

        Assert.Equal(expected, resolved);
        Assert.Equal(reason, why);
    }

    [Fact]
    public void Outside_Development_on_a_real_upstream_an_unset_mode_refuses_to_start_naming_Auth_Mode()
    {
        var (resolved, reason) = AuthModeRule.Resolve(mode: null, isDevelopment: false, emulated: false);

        Assert.Null(resolved);
        Assert.StartsWith("Auth:Mode is not set. ", reason, StringComparison.Ordinal);
        Assert.Contains("ApiKeys, Jwt or Mesh", reason, StringComparison.Ordinal);
        Assert.Contains("None", reason, StringComparison.Ordinal);
    }
}
