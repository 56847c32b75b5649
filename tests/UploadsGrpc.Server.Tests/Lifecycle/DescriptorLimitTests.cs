using UploadsGrpc.Server.Lifecycle;

namespace UploadsGrpc.Server.Tests.Lifecycle;

/// <summary>The connection cap derived from the descriptor limit, read from /proc/self/limits as Linux writes it.</summary>
public sealed class DescriptorLimitTests
{
    private const string Limits = """
        Limit                     Soft Limit           Hard Limit           Units
        Max cpu time              unlimited            unlimited            seconds
        Max processes             unlimited            unlimited            processes
        Max open files            4096                 524288               files
        Max locked memory         8388608              8388608              bytes
        """;

    [Fact]
    public void The_soft_limit_is_read_not_the_hard_one() => Assert.Equal(4096, DescriptorLimit.ParseSoftLimit(Limits));

    [Theory]
    [InlineData("Max open files            unlimited            unlimited            files")]
    [InlineData("Max processes             unlimited            unlimited            processes")]
    [InlineData("")]
    public void An_unlimited_or_missing_limit_is_unknown(string text) => Assert.Null(DescriptorLimit.ParseSoftLimit(text));

    [Theory]
    [InlineData(4096L, 1920L)]
    [InlineData(1_048_576L, 524_160L)]
    [InlineData(300L, 22L)]
    [InlineData(100L, 1L)]
    public void The_cap_is_half_of_what_the_reserve_leaves(long limit, long cap) => Assert.Equal(cap, DescriptorLimit.CapFor(limit));

    [Fact]
    public void With_no_known_limit_the_cap_is_a_fixed_ten_thousand() => Assert.Equal(10_000, DescriptorLimit.CapFor(null));

    [Fact]
    public void This_process_has_a_limit_on_linux() => Assert.True(DescriptorLimit.ReadSoftLimit() is > 0);
}
