using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Callers;

namespace UploadsGrpc.Server.Hosting;

/// <summary>Callers: authentication by the configured mode, the group policies, per-caller limits and the admission interceptor.</summary>
internal static class CallersExtensions
{
    /// <summary>The policy scheme of Auth:Mode=Mesh, which picks the certificate or the sidecar's header per request.</summary>
    private const string MeshScheme = "Mesh";

    public static IServiceCollection AddCallers(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<AuthOptions>, AuthModeSetup>();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidation>();
        services.AddOptions<CallersOptions>().BindConfiguration(CallersOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CallersOptions>, CallersOptionsValidation>();
        services.AddSingleton<CallerDirectory>();
        services.AddSingleton<CallerLimits>();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<TrustedProxies>();
        services.AddSingleton<CallerInterceptor>();
        services.AddHostedService<CallersStartup>();

        // Every scheme is registered, and the mode picks the default one: the mode is resolved from the environment
        // and the upstream too, which are known only once the options are built.
        services.AddSingleton<IConfigureOptions<JwtBearerOptions>, JwtBearerSetup>();
        services.AddSingleton<IConfigureOptions<CertificateAuthenticationOptions>, ClientCertificateSetup>();
        services.AddSingleton<IOptionsChangeTokenSource<CertificateAuthenticationOptions>, ClientCertificateChanges>();
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyHandler>(ApiKeyHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, ForwardedClientCertHandler>(ForwardedClientCertHandler.SchemeName, null)
            .AddJwtBearer()
            .AddCertificate()
            // The sidecar's header when a trusted proxy sent it; else the connection's own client certificate.
            .AddPolicyScheme(MeshScheme, null, mesh => mesh.ForwardDefaultSelector = context =>
                context.Connection.ClientCertificate is not null && !AssertedByProxy(context)
                    ? CertificateAuthenticationDefaults.AuthenticationScheme
                    : ForwardedClientCertHandler.SchemeName);
        services.AddOptions<AuthenticationOptions>().Configure<IOptions<AuthOptions>>((authentication, auth) =>
            authentication.DefaultScheme = auth.Value.ResolvedMode switch
            {
                AuthMode.ApiKeys => ApiKeyHandler.SchemeName,
                AuthMode.Jwt => JwtBearerDefaults.AuthenticationScheme,
                AuthMode.Mesh => MeshScheme,
                _ => null,
            });
        var authorization = services.AddAuthorizationBuilder();
        foreach (var group in RpcGroups.Known)
        {
            authorization.AddPolicy(group, policy => policy.RequireClaim(CallerClaims.Group, group));
        }
        return services;
    }

    private static bool AssertedByProxy(HttpContext context) =>
        context.Request.Headers.ContainsKey(context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.Mesh.Header)
        && context.RequestServices.GetRequiredService<TrustedProxies>().Contains(context.Connection.RemoteIpAddress);
}
