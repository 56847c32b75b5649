using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Hosting;
using UploadsGrpc.Server.Tls;

namespace UploadsGrpc.Server.Tests.Tls;

/// <summary>The Tls section as the service reads it: defaults, binding, validation.</summary>
public sealed class TlsOptionsTests
{
    [Fact]
    public void By_default_the_port_is_cleartext_and_files_would_be_read_every_10_s()
    {
        using var services = Build([]);

        var tls = services.GetRequiredService<IOptions<TlsOptions>>().Value;

        Assert.False(tls.Enabled);
        Assert.False(tls.ChecksClientCertificates);
        Assert.Null(tls.CertificatePath);
        Assert.Null(tls.KeyPath);
        Assert.Null(tls.ClientCaPath);
        Assert.Equal(TimeSpan.FromSeconds(10), tls.ReloadInterval);
        Assert.False(services.GetRequiredService<ClientCertificateTrust>().IsConfigured);
    }

    public static TheoryData<string, string, string> Refused => new()
    {
        { "Tls:ReloadInterval", "00:00:00.050", "Tls:ReloadInterval must be from 00:00:00.1 to 01:00:00." },
        { "Tls:ReloadInterval", "02:00:00", "Tls:ReloadInterval must be from 00:00:00.1 to 01:00:00." },
        { "Tls:KeyPath", "/etc/tls/tls.key", "Tls:KeyPath and Tls:ClientCaPath need Tls:CertificatePath; without it the port serves cleartext." },
        { "Tls:ClientCaPath", "/etc/tls/ca.crt", "Tls:KeyPath and Tls:ClientCaPath need Tls:CertificatePath; without it the port serves cleartext." },
        { "Tls:CertificatePath", "/nonexistent/tls.crt", "Tls:CertificatePath (/nonexistent/tls.crt) does not exist." },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_setting_that_cannot_work_fails_validation_naming_it(string key, string value, string failure)
    {
        using var services = Build(new() { [key] = value });

        var refused = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<TlsOptions>>().Value);

        Assert.Equal([failure], refused.Failures);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings) =>
        new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddLogging()
            .AddSingleton(TimeProvider.System)
            .AddTls()
            .BuildServiceProvider();
}
