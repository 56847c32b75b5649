using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Hosting;
using UploadsGrpc.Server.Tls;

namespace UploadsGrpc.Server.Tests.Hosting;

/// <summary>A configuration mistake becomes one line naming the setting; any other failure is left to the host.</summary>
public sealed class StartupFailureTests
{
    [Fact]
    public void Validation_failures_are_joined_in_one_line()
    {
        var invalid = new OptionsValidationException("", typeof(object), ["Streaming:PartSize must be from 1 to 2.", "Streaming:Parallelism must be from 1 to 16."]);

        Assert.Equal("Streaming:PartSize must be from 1 to 2. Streaming:Parallelism must be from 1 to 16.", StartupFailure.Describe(invalid));
    }

    [Theory]
    [InlineData("System.TimeSpan", "Upstream:RequestTimeout must be a time span such as 00:10:00; its value could not be read as one.")]
    [InlineData("System.Int32", "Upstream:RequestTimeout must be a whole number; its value could not be read as one.")]
    [InlineData("UploadsGrpc.Server.Upstream.UpstreamMode", "Upstream:RequestTimeout must be OpenAI or Emulator; its value could not be read as one.")]
    [InlineData("Some.Other.Type", "Upstream:RequestTimeout must be Some.Other.Type; its value could not be read as one.")]
    public void A_binder_failure_names_the_setting_and_what_it_must_be_but_not_the_value(string type, string expected)
    {
        var binding = new InvalidOperationException(
            $"Failed to convert configuration value 'sk-secret-0123456789' at 'Upstream:RequestTimeout' to type '{type}'.", new FormatException());

        var line = StartupFailure.Describe(binding);

        Assert.Equal(expected, line);
        Assert.DoesNotContain("sk-secret", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_TLS_file_that_broke_between_validation_and_the_listener_is_its_own_line()
    {
        var unusable = new TlsFileException("Tls:KeyPath", "/etc/tls/tls.key", "does not exist.");

        Assert.Equal("Tls:KeyPath (/etc/tls/tls.key) does not exist.", StartupFailure.Describe(unusable));
    }

    [Fact]
    public void Other_failures_are_not_configuration_mistakes()
    {
        Assert.Null(StartupFailure.Describe(new InvalidOperationException("Something else.")));
        Assert.Null(StartupFailure.Describe(new IOException("Address already in use.")));
    }
}
