namespace UploadsGrpc.Server.Tests.Infrastructure;

/// <summary>
/// An in-process upstream for POST /uploads/{id}/parts: each request goes to the test's script, which may answer,
/// fail, or block (on a gate, or until the request is cancelled). It records every request, how many are in flight
/// at once, and which requests saw their cancellation token fire; <see cref="WaitUntilAsync"/> waits for a state.
/// </summary>
internal sealed class ScriptedHandler(Func<PartRequest, CancellationToken, Task<HttpResponseMessage>> script) : HttpMessageHandler
{
    private readonly Lock _lock = new();
    private readonly ChangeSignal _changes = new();
    private readonly List<PartRequest> _requests = [];
    private readonly List<int> _cancelled = [];
    private int _inFlight;
    private int _maxInFlight;

    /// <summary>Every request received so far, in order of arrival.</summary>
    public IReadOnlyList<PartRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>The sequence numbers of the requests whose cancellation token fired while the script ran.</summary>
    public IReadOnlyList<int> Cancelled
    {
        get
        {
            lock (_lock)
            {
                return [.. _cancelled];
            }
        }
    }

    public int InFlight
    {
        get
        {
            lock (_lock)
            {
                return _inFlight;
            }
        }
    }

    /// <summary>The most requests that were in the handler at once.</summary>
    public int MaxInFlight
    {
        get
        {
            lock (_lock)
            {
                return _maxInFlight;
            }
        }
    }

    public Task WaitUntilAsync(Func<ScriptedHandler, bool> condition, string what) =>
        _changes.WaitUntilAsync(() => condition(this), what);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _inFlight++;
            _maxInFlight = Math.Max(_maxInFlight, _inFlight);
        }
        try
        {
            var data = await ReadDataFieldAsync(request, cancellationToken);
            var marker = data.Length > 0 ? data[0] : -1;
            PartRequest call;
            lock (_lock)
            {
                call = new PartRequest(
                    _requests.Count + 1, request.Method.Method, request.RequestUri!.AbsolutePath, marker,
                    _requests.Count(r => r.Marker == marker) + 1, data.Length);
                _requests.Add(call);
            }
            _changes.Notify();
            using var registration = cancellationToken.Register(() =>
            {
                lock (_lock)
                {
                    _cancelled.Add(call.Sequence);
                }
                _changes.Notify();
            });
            return await script(call, cancellationToken);
        }
        finally
        {
            lock (_lock)
            {
                _inFlight--;
            }
            _changes.Notify();
        }
    }

    /// <summary>The bytes of the form field <c>data</c>, read from the request's own content objects.</summary>
    private static async Task<byte[]> ReadDataFieldAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is MultipartFormDataContent form)
        {
            foreach (var field in form)
            {
                // The server quotes the name itself; the getter may hand it back with or without the quotes.
                if (field.Headers.ContentDisposition?.Name?.Trim('"') == "data")
                {
                    return await field.ReadAsByteArrayAsync(cancellationToken);
                }
            }
        }
        return [];
    }
}
