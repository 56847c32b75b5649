using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Telemetry;

namespace UploadsGrpc.Server.Callers;

/// <summary>Says at start how callers are authenticated, and warns when nobody is outside Development.</summary>
internal sealed class CallersStartup(
    IOptions<AuthOptions> auth, IOptions<CallersOptions> callers, IHostEnvironment environment, ILogger<CallersStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var options = auth.Value;
        if (options.ResolvedMode == AuthMode.None && !environment.IsDevelopment())
        {
            ServerLog.CallersNotAuthenticated(logger, options.ModeReason);
        }
        else
        {
            var mode = options.ResolvedMode.ToString() ?? "";
            ServerLog.CallersAuthenticated(logger, mode, options.ModeReason, callers.Value.Named.Count);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
