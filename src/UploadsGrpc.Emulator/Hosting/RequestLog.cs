using System.Security.Cryptography;
using System.Text;
using UploadsGrpc.Emulator.Endpoints;
using UploadsGrpc.Emulator.Json;

namespace UploadsGrpc.Emulator.Hosting;

/// <summary>
/// The /v1 requests the emulator received. Counted, so tests can prove a client sent nothing upstream (a refused
/// stream must not even create an upload), and those whose client went away before the answer was finished, so
/// tests can prove a client aborted its request (a server that cancels its upstream call on shutdown). The most
/// recent ones are kept with the project and key they were made as, so tests can prove on whose behalf a caller's
/// call went upstream, and with the status answered, so tests can prove what a client did after each answer.
/// </summary>
public sealed class RequestLog
{
    /// <summary>Enough for any one test's requests; older entries are overwritten, so a long run holds no more.</summary>
    public const int Capacity = 1000;

    private readonly RecentRequestJson[] _recent = new RecentRequestJson[Capacity];
    private readonly Lock _recentLock = new();
    private long _total;
    private long _aborted;

    public long Total => Interlocked.Read(ref _total);

    /// <summary>Requests whose <see cref="HttpContext.RequestAborted"/> fired while the emulator was still answering.</summary>
    public long Aborted => Interlocked.Read(ref _aborted);

    /// <summary>Up to <see cref="Capacity"/> of the latest requests, oldest first.</summary>
    public IReadOnlyList<RecentRequestJson> Recent()
    {
        lock (_recentLock)
        {
            var first = Math.Max(0, _total - Capacity);
            var recent = new RecentRequestJson[_total - first];
            for (var i = first; i < _total; i++)
            {
                recent[i - first] = _recent[i % Capacity];
            }
            return recent;
        }
    }

    /// <summary>Records one /v1 request as it arrives, and counts it as aborted if its client went away before it finished.</summary>
    public async Task RecordAsync(HttpContext http, RequestDelegate next)
    {
        var request = http.Request;
        // Recorded before anything answers, so a request refused for its key or aborted on the way is there too.
        var entry = new RecentRequestJson(request.Method, request.PathBase + request.Path, ProjectHeader.Of(request), KeySha256(request),
            Traceparent: request.Headers.TryGetValue("traceparent", out var traceparent) ? traceparent.ToString() : null);
        int slot;
        lock (_recentLock)
        {
            // The total moves under the lock too, so Recent() sees it and the ring agree.
            slot = (int)(_total % Capacity);
            _recent[slot] = entry;
            Interlocked.Increment(ref _total);
        }
        // The status as it is sent, whoever set it (a handler, a fault, the error middleware outside this one);
        // a dropped connection sends none, though the server may still start the response it will never send.
        http.Response.OnStarting(() =>
        {
            if (DroppedConnection.IsMarked(http))
            {
                return Task.CompletedTask;
            }
            lock (_recentLock)
            {
                if (ReferenceEquals(_recent[slot], entry))
                {
                    _recent[slot] = entry with { Status = http.Response.StatusCode };
                }
            }
            return Task.CompletedTask;
        });
        try
        {
            await next(http);
        }
        finally
        {
            // A fault that drops the connection aborts the request too; that is the emulator's doing, not the client's.
            if (http.RequestAborted.IsCancellationRequested && !DroppedConnection.IsMarked(http))
            {
                Interlocked.Increment(ref _aborted);
            }
        }
    }

    /// <summary>The hash of the bearer key, never the key: the admin surface needs no key, so it must not hand one out.</summary>
    private static string? KeySha256(HttpRequest request) =>
        BearerKeyFilter.KeyOf(request) is { Length: > 0 } key ? Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))) : null;
}
