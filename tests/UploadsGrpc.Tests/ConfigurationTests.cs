using Microsoft.Extensions.Options;
using UploadsGrpc.Tests.Infrastructure;

namespace UploadsGrpc.Tests;

/// <summary>Misconfiguration stops the start with a message naming the setting, instead of failing calls later.</summary>
public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("OPENAI_BASE_URL", "not a url")]
    [InlineData("OPENAI_BASE_URL", "ftp://example.com/v1")]
    [InlineData("Upstream:RequestTimeout", "soon")]
    [InlineData("Upstream:RequestTimeout", "-00:00:01")]
    public void Invalid_setting_fails_the_start_naming_it(string key, string value)
    {
        var settings = FacadeHost.SettingsFor(new Uri("http://127.0.0.1:9/v1"));
        settings[key] = value;
        using var facade = new FacadeHost(settings);

        var ex = Assert.ThrowsAny<Exception>(() => facade.StartServer());

        var validation = Assert.IsType<OptionsValidationException>(ex is AggregateException { InnerException: { } inner } ? inner : ex);
        Assert.Contains(key, validation.Message, StringComparison.Ordinal);
    }
}
