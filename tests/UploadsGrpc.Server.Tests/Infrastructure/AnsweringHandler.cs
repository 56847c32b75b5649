namespace UploadsGrpc.Server.Tests.Infrastructure;

/// <summary>An in-process upstream that answers each request with what the test's function returns, and keeps the requests.</summary>
internal sealed class AnsweringHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
{
    private readonly Lock _lock = new();
    private readonly List<HttpRequestMessage> _requests = [];

    public IReadOnlyList<HttpRequestMessage> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _requests.Add(request);
        }
        return Task.FromResult(answer(request));
    }
}
