using UploadsGrpc.Server.Lifecycle;

namespace UploadsGrpc.Server.Tests.Lifecycle;

/// <summary>Each connection's age: the maximum, shortened at random by at most the jitter, never lengthened.</summary>
public sealed class ConnectionAgeTests
{
    [Theory]
    [InlineData(0.0, 600.0)]
    [InlineData(0.5, 570.0)]
    [InlineData(0.999, 540.06)]
    public void The_jitter_shortens_the_age_by_up_to_its_fraction(double sample, double seconds) =>
        Assert.Equal(seconds, ConnectionAge.AgeFor(TimeSpan.FromMinutes(10), 0.1, sample).TotalSeconds, precision: 6);

    [Fact]
    public void Without_jitter_every_connection_gets_the_maximum() =>
        Assert.Equal(TimeSpan.FromSeconds(5), ConnectionAge.AgeFor(TimeSpan.FromSeconds(5), 0, 0.7));
}
