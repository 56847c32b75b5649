using Microsoft.Extensions.Configuration;
using UploadsGrpc.Server.Hosting;

namespace UploadsGrpc.Server.Tests.Hosting;

/// <summary>An environment variable set to an empty string counts as unset, so a lower layer or the default applies.</summary>
public sealed class NonEmptyEnvironmentVariablesProviderTests : IDisposable
{
    // A prefix of this test's own, so no other test or the machine's environment interferes.
    private readonly string _prefix = $"UGTEST{Guid.NewGuid():N}_";

    [Fact]
    public void An_empty_or_blank_variable_does_not_hide_the_value_below_it()
    {
        Environment.SetEnvironmentVariable(_prefix + "Upstream__RequestTimeout", "");
        Environment.SetEnvironmentVariable(_prefix + "Streaming__PartSize", "1048576");
        Environment.SetEnvironmentVariable(_prefix + "Streaming__Parallelism", "  ");
        Assert.Equal("", Environment.GetEnvironmentVariable(_prefix + "Upstream__RequestTimeout"));
        var builder = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Upstream:RequestTimeout"] = "00:10:00", ["Streaming:PartSize"] = "2", ["Streaming:Parallelism"] = "4",
            })
            .AddEnvironmentVariables(_prefix);

        NonEmptyEnvironmentVariablesSource.ReplaceIn(builder);
        var configuration = builder.Build();

        Assert.Equal("00:10:00", configuration["Upstream:RequestTimeout"]);
        Assert.Equal("1048576", configuration["Streaming:PartSize"]);
        Assert.Equal("4", configuration["Streaming:Parallelism"]);
        Assert.IsType<NonEmptyEnvironmentVariablesSource>(builder.Sources[1]);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(_prefix + "Upstream__RequestTimeout", null);
        Environment.SetEnvironmentVariable(_prefix + "Streaming__PartSize", null);
        Environment.SetEnvironmentVariable(_prefix + "Streaming__Parallelism", null);
    }
}
