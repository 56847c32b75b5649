using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Tls;

namespace UploadsGrpc.Server.Hosting;

/// <summary>TLS on the gRPC port: the certificate and client CAs from PEM files, read again while the service runs.</summary>
internal static class TlsExtensions
{
    public static IServiceCollection AddTls(this IServiceCollection services)
    {
        services.AddOptions<TlsOptions>().BindConfiguration(TlsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TlsOptions>, TlsOptionsValidation>();
        services.AddSingleton<ServerCertificateSource>();
        // Also what authentication by client certificate asks, with IsTrusted.
        services.AddSingleton<ClientCertificateTrust>();
        services.AddSingleton<TlsHandshake>();
        services.AddHostedService<TlsReloader>();
        return services;
    }

    /// <summary>
    /// With Tls:CertificatePath set, the endpoint speaks TLS only: a cleartext client's bytes are not a TLS
    /// handshake, so its connection is closed. Called after the endpoint's protocols are set, for ALPN to offer them.
    /// </summary>
    public static ListenOptions UseTlsWhenConfigured(this ListenOptions listen, IServiceProvider services)
    {
        if (services.GetRequiredService<IOptions<TlsOptions>>().Value.Enabled)
        {
            listen.UseHttps(services.GetRequiredService<TlsHandshake>().CallbackOptions);
        }
        return listen;
    }
}
