using UploadsGrpc.Server.Uploads.UploadFile;

namespace UploadsGrpc.Server.Tests.Uploads.UploadFile;

/// <summary>Streaming:IdleTimeout: 30 s by default, refused at start when it could not work.</summary>
public sealed class StreamingIdleTimeoutOptionTests
{
    [Fact]
    public void The_default_is_30_s_and_valid() =>
        Assert.Equal((TimeSpan.FromSeconds(30), true),
            (new StreamingOptions().IdleTimeout, new StreamingOptionsValidation().Validate(null, new StreamingOptions()).Succeeded));

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:00:01")]
    [InlineData("01:00:01")]
    public void A_timeout_of_zero_negative_or_over_an_hour_is_refused_naming_the_setting(string value)
    {
        var result = new StreamingOptionsValidation().Validate(null, new StreamingOptions { IdleTimeout = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture) });

        Assert.Equal(["Streaming:IdleTimeout must be more than 0 and at most 01:00:00."], result.Failures);
    }
}
