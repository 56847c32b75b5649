using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Google.Rpc;
using Grpc.Core;

namespace UploadsGrpc.Soak;

/// <summary>Counters the callers and streams share, by name; and the first few error texts, to read a run's failures.</summary>
internal sealed class Tally
{
    private const int MaxSamples = 40;
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _samples = new();
    private int _sampled;

    public void Add(string key, long by = 1) => _counts.AddOrUpdate(key, by, (_, value) => value + by);

    public long Get(string key) => _counts.GetValueOrDefault(key);

    /// <summary>The counters whose name starts with <paramref name="prefix"/>, by the rest of the name.</summary>
    public JsonObject Group(string prefix)
    {
        var group = new JsonObject();
        foreach (var (key, value) in _counts.Where(c => c.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            group[key[prefix.Length..]] = value;
        }
        return group;
    }

    public long Sum(string prefix) => _counts.Where(c => c.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(c => c.Value);

    public void Sample(string text)
    {
        if (Interlocked.Increment(ref _sampled) <= MaxSamples)
        {
            _samples.Enqueue(text);
        }
    }

    public JsonArray Samples() => [.. _samples.Select(s => (JsonNode)s)];

    /// <summary>A status as the gRPC spec spells it (UNAVAILABLE, DEADLINE_EXCEEDED), with the ErrorInfo reason when there is one.</summary>
    public static string Describe(RpcException error)
    {
        var name = Name(error.StatusCode);
        var reason = Reason(error);
        return reason is null ? name : $"{name} {reason}";
    }

    public static string Name(StatusCode code) => string.Concat(code.ToString().Select((c, i) =>
        i > 0 && char.IsUpper(c) ? "_" + c : char.ToUpperInvariant(c).ToString()));

    public static string? Reason(RpcException error) => Details(error)?.GetDetail<ErrorInfo>()?.Reason;

    /// <summary>The server's RetryInfo, if it sent one.</summary>
    public static TimeSpan? RetryDelay(RpcException error) => Details(error)?.GetDetail<RetryInfo>()?.RetryDelay?.ToTimeSpan();

    private static Google.Rpc.Status? Details(RpcException error)
    {
        try
        {
            return error.GetRpcStatus();
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return null;
        }
    }
}
