using System.Net;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using UploadsGrpc.Server.Errors;
using UploadsGrpc.Server.Telemetry;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Uploads.UploadFile;

/// <summary>
/// How UploadFile retries one part: exponential backoff with jitter, the upstream's Retry-After when it gave
/// one, and only for failures another attempt can mend (transport errors, timeouts, 408, 409, 429, 5xx).
/// Retrying a part is safe because only the last attempt's part id is listed at complete; the upstream
/// discards parts that are not listed.
/// </summary>
internal sealed class PartRetry
{
    public PartRetry(IOptions<StreamingOptions> options, SecretRedactor redactor, TimeProvider clock, ILogger<PartRetry> logger)
    {
        var settings = options.Value;
        Pipeline = new ResiliencePipelineBuilder { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = settings.PartAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.RetryBaseDelay,
                MaxDelay = settings.MaxRetryDelay,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && IsTransient(ex, args.Context.CancellationToken)),
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Exception is UpstreamException { RetryAfter: { } after }
                        ? (TimeSpan?)TimeSpan.FromTicks(Math.Min(after.Ticks, settings.MaxRetryDelay.Ticks))
                        : null),
                OnRetry = args =>
                {
                    if (logger.IsEnabled(LogLevel.Information))
                    {
                        var reason = redactor.Redact(args.Outcome.Exception?.Message ?? "");
                        // Polly counts attempts from 0, and the log names the attempt that follows, counting the first as 1.
                        ServerLog.PartRetrying(logger, args.AttemptNumber + 2, args.RetryDelay.TotalMilliseconds, reason);
                    }
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public ResiliencePipeline Pipeline { get; }

    internal static bool IsTransient(Exception exception, CancellationToken cancellation) => exception switch
    {
        _ when cancellation.IsCancellationRequested => false,
        UpstreamException upstream => upstream.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.Conflict
            or HttpStatusCode.TooManyRequests || (int)upstream.StatusCode >= 500,
        UpstreamTimeoutException or UpstreamProtocolException or HttpRequestException or IOException => true,
        // A request the HttpClient gave up on without the caller cancelling, e.g. a connection that stalled.
        OperationCanceledException => true,
        _ => false,
    };
}
