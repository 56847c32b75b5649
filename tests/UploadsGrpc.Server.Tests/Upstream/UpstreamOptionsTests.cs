using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Hosting;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Tests.Upstream;

/// <summary>The upstream's settings as the service reads them: the section bound, the SDKs' variables, the mode rule, validation.</summary>
public sealed class UpstreamOptionsTests
{
    [Fact]
    public void The_sdk_variables_and_the_section_are_read_and_the_mode_resolved()
    {
        var options = Resolve(Environments.Production, new()
        {
            ["OPENAI_API_KEY"] = " sk-live-0123456789 ",
            ["OPENAI_BASE_URL"] = "http://127.0.0.1:9/v1",
            ["OPENAI_ORG_ID"] = "org-1",
            ["OPENAI_PROJECT_ID"] = "",
            ["Upstream:RequestTimeout"] = "00:00:30",
            ["Upstream:EmulatorPort"] = "8081",
        });

        Assert.Equal("sk-live-0123456789", options.ApiKey);
        Assert.Equal("http://127.0.0.1:9/v1", options.BaseUrl);
        Assert.Equal("org-1", options.Organization);
        Assert.Null(options.Project);
        Assert.Equal(TimeSpan.FromSeconds(30), options.RequestTimeout);
        Assert.Equal(8081, options.EmulatorPort);
        Assert.Null(options.Mode);
        Assert.Equal(UpstreamMode.OpenAI, options.ResolvedMode);
        Assert.Equal("OPENAI_BASE_URL", options.ModeReason);
    }

    [Theory]
    [InlineData("emulator", UpstreamMode.Emulator, "Upstream:Mode=Emulator")]
    [InlineData("OpenAI", UpstreamMode.OpenAI, "the default OPENAI_BASE_URL")]
    public void The_mode_is_read_without_regard_to_case(string mode, UpstreamMode expected, string reason)
    {
        var options = Resolve(Environments.Production, new() { ["OPENAI_API_KEY"] = "sk-1", ["Upstream:Mode"] = mode });

        Assert.Equal(expected, options.ResolvedMode);
        Assert.Equal(reason, options.ModeReason);
    }

    [Fact]
    public void Development_with_nothing_set_runs_on_the_emulator()
    {
        var options = Resolve(Environments.Development, []);

        Assert.Equal(UpstreamMode.Emulator, options.ResolvedMode);
        Assert.Equal(TimeSpan.FromSeconds(600), options.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), options.BodyIdleTimeout);
        Assert.Equal(16 * 1024 * 1024, options.MaxJsonResponseBytes);
        Assert.Null(options.BaseUrl);
    }

    [Theory]
    [InlineData("OPENAI_BASE_URL", "not a url", "OPENAI_BASE_URL must be an absolute http:// or https:// URL.")]
    [InlineData("OPENAI_BASE_URL", "ftp://example.com/v1", "OPENAI_BASE_URL must be an absolute http:// or https:// URL.")]
    [InlineData("Upstream:EmulatorPort", "70000", "Upstream:EmulatorPort must be a port number from 0 to 65535 (0 picks a free port).")]
    [InlineData("Upstream:EmulatorPort", "-1", "Upstream:EmulatorPort must be a port number from 0 to 65535 (0 picks a free port).")]
    [InlineData("Upstream:RequestTimeout", "00:00:00", "Upstream:RequestTimeout must be a positive time span such as 00:10:00.")]
    [InlineData("Upstream:RequestTimeout", "-00:00:01", "Upstream:RequestTimeout must be a positive time span such as 00:10:00.")]
    [InlineData("Upstream:BodyIdleTimeout", "00:00:00", "Upstream:BodyIdleTimeout must be a positive time span such as 00:00:30.")]
    [InlineData("Upstream:MaxJsonResponseBytes", "1000", "Upstream:MaxJsonResponseBytes must be from 65536 (64 KiB) to 2147483647; it is 1000.")]
    [InlineData("Upstream:Mode", "7", "Upstream:Mode must be OpenAI or Emulator; it is '7'.")]
    [InlineData("OPENAI_API_KEY", "", "OPENAI_API_KEY is not set. Set it to the key of the OpenAI API, or set Upstream:Mode=Emulator to run on the embedded emulator.")]
    public void A_setting_that_cannot_work_fails_validation_naming_it(string key, string value, string failure)
    {
        var settings = new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "sk-1", [key] = value };

        var refused = Assert.Throws<OptionsValidationException>(() => Resolve(Environments.Production, settings));

        Assert.Equal([failure], refused.Failures);
    }

    [Fact]
    public void The_key_comes_only_from_OPENAI_API_KEY_not_from_the_Upstream_section()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Upstream:ApiKey"] = "sk-committed-0123456789",
            ["Upstream:BaseUrl"] = "http://127.0.0.1:9/v1",
            ["Upstream:Organization"] = "org-1",
            ["Upstream:Project"] = "proj-1",
        };

        var refused = Assert.Throws<OptionsValidationException>(() => Resolve(Environments.Production, settings));

        Assert.StartsWith("OPENAI_API_KEY is not set.", Assert.Single(refused.Failures), StringComparison.Ordinal);
        var development = Resolve(Environments.Development, settings);
        Assert.Null(development.ApiKey);
        Assert.Null(development.BaseUrl);
        Assert.Null(development.Organization);
        Assert.Null(development.Project);
        Assert.Equal(UpstreamMode.Emulator, development.ResolvedMode);
    }

    private static UpstreamOptions Resolve(string environment, Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton<IHostEnvironment>(new HostingEnvironment { EnvironmentName = environment })
            .AddLogging()
            .AddUpstream()
            .BuildServiceProvider();
        return services.GetRequiredService<IOptions<UpstreamOptions>>().Value;
    }
}
