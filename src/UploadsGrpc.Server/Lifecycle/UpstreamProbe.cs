using System.Net;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Telemetry;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Lifecycle;

/// <summary>
/// Asks the upstream, every Health:UpstreamProbeInterval, for one file (the cheapest authenticated read of the
/// Files API) and reports whether it answers as <c>uploadsgrpc.upstream</c>. Any answer but 5xx, 401 and 403
/// counts as reachable: a 429 or 404 is the upstream working, a 401 means this replica's key cannot serve.
/// </summary>
internal sealed class UpstreamProbe(
    IServiceScopeFactory scopes,
    UpstreamReachability reachability,
    ServingStatus serving,
    IOptions<HealthOptions> options,
    TimeProvider clock,
    ILogger<UpstreamProbe> logger) : BackgroundService
{
    private static readonly FileListQuery OneFile = new(1, "desc", null, null);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.UpstreamProbeInterval, clock);
        do
        {
            await ProbeOnceAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    internal async Task ProbeOnceAsync(CancellationToken stoppingToken)
    {
        var (reachable, reason) = await AskAsync(stoppingToken);
        if (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        if (reachability.Report(reachable, reason))
        {
            serving.ReportUpstream(reachable);
            if (reachable)
            {
                ServerLog.UpstreamReachable(logger, reason);
            }
            else
            {
                ServerLog.UpstreamUnreachable(logger, reason);
            }
        }
    }

    private async Task<(bool Reachable, string Reason)> AskAsync(CancellationToken stoppingToken)
    {
        using var timeout = new CancellationTokenSource(options.Value.UpstreamProbeTimeout, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
        using var scope = scopes.CreateScope();
        var upstream = scope.ServiceProvider.GetRequiredService<OpenAiUploadsClient>();
        try
        {
            await upstream.ListFilesAsync(OneFile, new CallBudget(HasDeadline: true, linked.Token));
            return (true, "GET /files answered 200");
        }
        catch (UpstreamException answered) when ((int)answered.StatusCode < 500 && answered.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden))
        {
            return (true, $"GET /files answered {(int)answered.StatusCode}");
        }
        catch (UpstreamException refused)
        {
            return (false, $"GET /files answered {(int)refused.StatusCode}");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
        {
            return (false, $"GET /files did not answer within {options.Value.UpstreamProbeTimeout.TotalSeconds:0.#} s");
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return (false, "stopping");
        }
        // Only the kind of failure is reported, never an exception's text, which could quote what the upstream sent.
        catch (HttpRequestException failure)
        {
            return (false, $"GET /files failed: {failure.HttpRequestError}");
        }
        catch (IOException)
        {
            return (false, "GET /files failed: the connection broke");
        }
        catch (UpstreamProtocolException)
        {
            return (false, "GET /files answered with a body that is not the Files API's");
        }
    }
}
