using System.Net;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Lifecycle;

/// <summary>
/// When no call has reached the upstream for Health:UpstreamProbeInterval, asks it for one file (the cheapest
/// authenticated read of the Files API), so <c>uploadsgrpc.upstream</c> stays current on an idle replica without
/// adding requests to a busy one. Any answer but 5xx, 401 and 403 counts as reachable: a 429 or 404 is the
/// upstream working, a 401 means this replica's key cannot serve.
/// </summary>
internal sealed class UpstreamProbe(
    IServiceScopeFactory scopes,
    UpstreamReachability reachability,
    IOptions<HealthOptions> options,
    TimeProvider clock) : BackgroundService
{
    private static readonly FileListQuery OneFile = new(1, "desc", null, null);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.UpstreamProbeInterval;
        using var timer = new PeriodicTimer(interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (reachability.SinceLastReport >= interval)
            {
                await ProbeOnceAsync(stoppingToken);
            }
        }
    }

    internal async Task ProbeOnceAsync(CancellationToken stoppingToken)
    {
        var (reachable, reason) = await AskAsync(stoppingToken);
        if (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        reachability.Report(reachable, reason);
    }

    private async Task<(bool Reachable, string Reason)> AskAsync(CancellationToken stoppingToken)
    {
        using var timeout = new CancellationTokenSource(options.Value.UpstreamProbeTimeout, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
        using var scope = scopes.CreateScope();
        var upstream = scope.ServiceProvider.GetRequiredService<OpenAiUploadsClient>();
        try
        {
            // One request, not retried: the probe asks whether the upstream answers now.
            await upstream.ListFilesAsync(OneFile, new CallBudget(HasDeadline: true, linked.Token), maxRetries: 0);
            return (true, "the probe GET /files answered 200");
        }
        catch (UpstreamException answered) when ((int)answered.StatusCode < 500 && answered.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden))
        {
            return (true, $"the probe GET /files answered {(int)answered.StatusCode}");
        }
        catch (UpstreamException refused)
        {
            return (false, $"the probe GET /files answered {(int)refused.StatusCode}");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
        {
            return (false, $"the probe GET /files did not answer within {options.Value.UpstreamProbeTimeout.TotalSeconds:0.#} s");
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return (false, "stopping");
        }
        // Only the kind of failure is reported, never an exception's text, which could quote what the upstream sent.
        catch (HttpRequestException failure)
        {
            return (false, $"the probe GET /files failed: {failure.HttpRequestError}");
        }
        catch (IOException)
        {
            return (false, "the probe GET /files failed: the connection broke");
        }
        catch (UpstreamProtocolException)
        {
            return (false, "the probe GET /files answered with a body that is not the Files API's");
        }
        // Anything else must not end the probe's loop, which would stop the host: it counts as unreachable.
        catch (Exception failure) when (!stoppingToken.IsCancellationRequested)
        {
            return (false, $"the probe GET /files failed: {failure.GetType().Name}");
        }
    }
}
