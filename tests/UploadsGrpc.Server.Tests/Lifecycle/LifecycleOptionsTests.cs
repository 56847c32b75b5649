using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Hosting;
using UploadsGrpc.Server.Lifecycle;

namespace UploadsGrpc.Server.Tests.Lifecycle;

/// <summary>The Shutdown, Connections and Health sections as the service reads them: defaults, binding, validation.</summary>
public sealed class LifecycleOptionsTests
{
    [Fact]
    public void The_defaults_drain_for_5_s_give_calls_30_s_and_the_host_waits_for_both()
    {
        using var services = Build([]);

        var shutdown = services.GetRequiredService<IOptions<ShutdownOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(5), shutdown.DrainDelay);
        Assert.Equal(TimeSpan.FromSeconds(30), shutdown.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(36), services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);

        var connections = services.GetRequiredService<IOptions<ConnectionsOptions>>().Value;
        Assert.Equal(TimeSpan.FromMinutes(10), connections.MaxAge);
        Assert.Equal(0.1, connections.MaxAgeJitter);
        Assert.Equal(TimeSpan.FromMinutes(15), connections.MaxAgeGrace);
        Assert.Equal(TimeSpan.FromSeconds(30), connections.KeepAlivePingDelay);
        Assert.Equal(TimeSpan.FromSeconds(20), connections.KeepAlivePingTimeout);
        Assert.Equal(0, connections.MaxConnections);
        Assert.Equal(100, connections.MaxStreamsPerConnection);

        var health = services.GetRequiredService<IOptions<HealthOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(15), health.UpstreamProbeInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), health.UpstreamProbeTimeout);
    }

    [Fact]
    public void The_sections_are_bound_and_the_host_timeout_follows_them()
    {
        using var services = Build(new()
        {
            ["Shutdown:DrainDelay"] = "00:00:02",
            ["Shutdown:Timeout"] = "00:00:10",
            ["Connections:MaxAge"] = "00:00:05",
            ["Connections:MaxConnections"] = "1000",
        });

        Assert.Equal(TimeSpan.FromSeconds(2), services.GetRequiredService<IOptions<ShutdownOptions>>().Value.DrainDelay);
        Assert.Equal(TimeSpan.FromSeconds(13), services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), services.GetRequiredService<IOptions<ConnectionsOptions>>().Value.MaxAge);
        Assert.Equal(1000, services.GetRequiredService<IOptions<ConnectionsOptions>>().Value.MaxConnections);
    }

    public static TheoryData<string, string, string> Refused => new()
    {
        { "Shutdown:DrainDelay", "-00:00:01", "Shutdown:DrainDelay must be from 00:00:00 to 00:05:00." },
        { "Shutdown:DrainDelay", "00:06:00", "Shutdown:DrainDelay must be from 00:00:00 to 00:05:00." },
        { "Shutdown:Timeout", "02:00:00", "Shutdown:Timeout must be from 00:00:00 to 01:00:00." },
        { "Connections:MaxAge", "00:00:00.500", "Connections:MaxAge must be 00:00:00 (off) or at least 00:00:01." },
        { "Connections:MaxAgeJitter", "0.9", "Connections:MaxAgeJitter must be from 0 to 0.5." },
        { "Connections:MaxAgeGrace", "-00:00:01", "Connections:MaxAgeGrace must not be negative." },
        { "Connections:KeepAlivePingDelay", "00:00:00", "Connections:KeepAlivePingDelay and KeepAlivePingTimeout must be at least 00:00:01." },
        { "Connections:MaxConnections", "-1", "Connections:MaxConnections must be 0 (from the descriptor limit) or a positive number." },
        { "Connections:MaxStreamsPerConnection", "0", "Connections:MaxStreamsPerConnection must be from 1 to 10000." },
        { "Health:UpstreamProbeInterval", "02:00:00", "Health:UpstreamProbeInterval must be from 00:00:01 to 01:00:00." },
        { "Health:UpstreamProbeTimeout", "00:01:00", "Health:UpstreamProbeTimeout must be positive and not longer than Health:UpstreamProbeInterval." },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_setting_that_cannot_work_fails_validation_naming_it(string key, string value, string failure)
    {
        using var services = Build(new() { [key] = value });

        var refused = Assert.Throws<OptionsValidationException>(() =>
        {
            _ = services.GetRequiredService<IOptions<ShutdownOptions>>().Value;
            _ = services.GetRequiredService<IOptions<ConnectionsOptions>>().Value;
            _ = services.GetRequiredService<IOptions<HealthOptions>>().Value;
        });

        Assert.Equal([failure], refused.Failures);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings) =>
        new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddLogging()
            .AddSingleton(TimeProvider.System)
            .AddLifecycle()
            .BuildServiceProvider();
}
