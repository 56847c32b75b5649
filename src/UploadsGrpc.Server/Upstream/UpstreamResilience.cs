using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using UploadsGrpc.Server.Telemetry;

namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// Retries and the circuit breaker of every upstream request, in one Polly pipeline: the retry outside, so each
/// attempt passes the breaker; the breaker shared by all calls, so an upstream that is down is found once. What
/// is retried and how long to wait is <see cref="RetryRules"/>; this class applies them under the caller's
/// deadline and logs each retry and each change of the breaker.
/// </summary>
/// <remarks>
/// Built from Polly.Core rather than Microsoft.Extensions.Http.Resilience's standard handler, which retries POSTs,
/// ignores <c>x-should-retry</c> and cuts every attempt at 10 s (a 64 MiB part may need longer); and around the
/// whole request rather than as a DelegatingHandler, so each attempt builds its request and body afresh and a
/// body read that fails is retried with its request.
/// </remarks>
internal sealed class UpstreamResilience
{
    private static readonly ResiliencePropertyKey<RetryShape> ShapeKey = new("uploadsgrpc.retry-shape");
    private static readonly ResiliencePropertyKey<DateTimeOffset?> DeadlineKey = new("uploadsgrpc.deadline");
    private static readonly ResiliencePropertyKey<UpstreamRoute?> RouteKey = new("uploadsgrpc.route");
    private static readonly ResiliencePropertyKey<TimeSpan> WaitKey = new("uploadsgrpc.wait");
    private static readonly ResiliencePropertyKey<TimeSpan> DeclinedWaitKey = new("uploadsgrpc.declined-wait");

    private readonly ResiliencePipeline _pipeline;

    /// <param name="random">The jitter's source; tests pass one that answers a fixed value.</param>
    /// <param name="metrics">Counts retries and changes of the breaker; null in tests of the rules alone.</param>
    public UpstreamResilience(IOptions<UpstreamOptions> options, TimeProvider clock, ILogger<UpstreamResilience> logger, Random? random = null,
        UploadsGrpcMetrics? metrics = null)
    {
        random ??= Random.Shared;
        var settings = options.Value;
        var breaker = settings.Breaker;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions
            {
                // Each request's own limit is in its RetryShape; this is only Polly's ceiling above all of them.
                MaxRetryAttempts = 100,
                ShouldHandle = args =>
                {
                    if (args.Outcome.Exception is not { } failure || args.Context.CancellationToken.IsCancellationRequested)
                    {
                        return ValueTask.FromResult(false);
                    }
                    var shape = args.Context.Properties.GetValue(ShapeKey, default);
                    if (args.AttemptNumber >= shape.MaxRetries || !RetryRules.IsRetryable(failure, shape))
                    {
                        return ValueTask.FromResult(false);
                    }
                    var wait = RetryRules.Wait(failure, args.AttemptNumber, random.NextDouble(), settings.RetryBaseDelay, settings.MaxRetryDelay);
                    if (args.Context.Properties.GetValue(DeadlineKey, null) is { } deadline && clock.GetUtcNow() + wait >= deadline)
                    {
                        // No retry could end before the caller's deadline: the caller gets the upstream's answer now,
                        // with the wait, rather than DEADLINE_EXCEEDED later with nothing learnt.
                        args.Context.Properties.Set(DeclinedWaitKey, wait);
                        return ValueTask.FromResult(false);
                    }
                    args.Context.Properties.Set(WaitKey, wait);
                    return ValueTask.FromResult(true);
                },
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(args.Context.Properties.GetValue(WaitKey, TimeSpan.Zero)),
                OnRetry = args =>
                {
                    var route = args.Context.Properties.GetValue(RouteKey, null);
                    metrics?.Retried(route?.Method.Method ?? "_OTHER", route?.Template ?? "_OTHER", UpstreamErrorType.Of(args.Outcome.Exception));
                    if (logger.IsEnabled(LogLevel.Information))
                    {
                        var operation = route?.Operation ?? "?";
                        var reason = args.Outcome.Exception?.Message ?? "";
                        // Polly counts attempts from 0; the log names the attempt that follows, counting the first as 1.
                        ServerLog.UpstreamRetrying(logger, operation, args.AttemptNumber + 2, args.RetryDelay.TotalMilliseconds, reason);
                    }
                    return ValueTask.CompletedTask;
                },
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = breaker.FailureRatio,
                MinimumThroughput = breaker.MinimumThroughput,
                SamplingDuration = breaker.SamplingDuration,
                BreakDuration = breaker.BreakDuration,
                // The caller leaving says nothing about the upstream.
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } failure && !args.Context.CancellationToken.IsCancellationRequested && RetryRules.IsUpstreamFailure(failure)),
                OnOpened = args =>
                {
                    metrics?.CircuitChanged(CircuitState.Open);
                    if (logger.IsEnabled(LogLevel.Warning))
                    {
                        var reason = args.Outcome.Exception?.Message ?? "";
                        ServerLog.CircuitOpened(logger, args.BreakDuration.TotalSeconds, reason);
                    }
                    return ValueTask.CompletedTask;
                },
                OnHalfOpened = _ =>
                {
                    metrics?.CircuitChanged(CircuitState.HalfOpen);
                    ServerLog.CircuitHalfOpened(logger);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    metrics?.CircuitChanged(CircuitState.Closed);
                    ServerLog.CircuitClosed(logger);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> (which builds and sends one request) until it succeeds, fails in a way
    /// <paramref name="shape"/> does not retry, or has no time left. A failure that ended because the wait did not
    /// fit the deadline carries the wait (<see cref="UpstreamException.WithWaitPastDeadline"/>).
    /// </summary>
    public async Task<T> ExecuteAsync<T>(UpstreamRoute route, RetryShape shape, CallBudget budget, Func<CancellationToken, Task<T>> attempt)
    {
        var context = ResilienceContextPool.Shared.Get(budget.Cancellation);
        context.Properties.Set(ShapeKey, shape);
        context.Properties.Set(DeadlineKey, budget.Deadline);
        context.Properties.Set(RouteKey, route);
        try
        {
            return await _pipeline.ExecuteAsync(static (ctx, run) => new ValueTask<T>(run(ctx.CancellationToken)), context, attempt);
        }
        catch (UpstreamException upstream) when (context.Properties.TryGetValue(DeclinedWaitKey, out var wait))
        {
            throw upstream.WithWaitPastDeadline(wait);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
