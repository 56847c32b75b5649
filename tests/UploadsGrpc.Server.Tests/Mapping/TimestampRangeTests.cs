using UploadsGrpc.Server.Mapping;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Tests.Mapping;

/// <summary>A Unix time becomes a Timestamp only inside the Timestamp's range (0001-01-01 to 9999-12-31).</summary>
public sealed class TimestampRangeTests
{
    [Theory]
    [InlineData(0L)]
    [InlineData(1_719_184_911L)]
    [InlineData(-62_135_596_800L)]
    [InlineData(253_402_300_799L)]
    public void A_time_in_range_maps(long seconds) => Assert.Equal(seconds, ResourceMapper.MapToTimestamp(seconds)!.Seconds);

    [Theory]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    [InlineData(-62_135_596_801L)]
    [InlineData(253_402_300_800L)]
    public void A_time_out_of_range_is_an_invalid_upstream_response(long seconds)
    {
        var refused = Assert.Throws<UpstreamProtocolException>(() => ResourceMapper.MapToTimestamp(seconds));

        Assert.Contains(seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_stays_unset() => Assert.Null(ResourceMapper.MapToTimestamp(null));
}
