using System.Text;
using Google.Rpc;
using Grpc.Core;
using RpcStatus = Google.Rpc.Status;

namespace UploadsGrpc.Hostile;

/// <summary>What one hostile case got back: a gRPC status (or none), its message, every header and trailer, the details.</summary>
internal sealed class Outcome
{
    /// <summary>The gRPC status code, or null when the answer had none (an HTTP error, a closed connection).</summary>
    public int? Code { get; init; }

    public string Detail { get; init; } = "";

    /// <summary>Response headers and trailers, binary ones as their bytes, text ones as UTF-8.</summary>
    public List<KeyValuePair<string, byte[]>> Metadata { get; init; } = [];

    public RpcStatus? Rich { get; init; }

    /// <summary>For raw calls and sockets: what the transport said (HTTP status, frames, a reset).</summary>
    public string? Transport { get; init; }

    /// <summary>The runner gave up or cancelled the call itself: the server never answered in time.</summary>
    public string? RunnerNote { get; init; }

    /// <summary>Messages the server streamed back before the status.</summary>
    public int Messages { get; init; }

    public object? Response { get; init; }

    public ErrorInfo? Info => Rich?.GetDetail<ErrorInfo>();

    public RetryInfo? Retry => Rich?.GetDetail<RetryInfo>();

    public BadRequest? BadRequest => Rich?.GetDetail<BadRequest>();

    public string? Text(string key)
    {
        foreach (var (k, v) in Metadata)
        {
            if (string.Equals(k, key, StringComparison.OrdinalIgnoreCase))
            {
                return Encoding.UTF8.GetString(v);
            }
        }
        return null;
    }

    public string Summary()
    {
        var code = Code is { } c ? ((StatusCode)c).ToString() : "no gRPC status";
        var info = Info is { } i ? $" [{i.Domain} {i.Reason}]" : Code is > 0 ? " [no ErrorInfo]" : "";
        var detail = Detail.Length > 90 ? Detail[..90] + "…" : Detail;
        var transport = Transport is null ? "" : $" ({Transport})";
        var runner = RunnerNote is null ? "" : $" <{RunnerNote}>";
        return $"{code}{info}{transport}{runner}{(detail.Length > 0 ? " \"" + detail.Replace('\n', ' ') + "\"" : "")}";
    }

    public static Outcome FromRpc(RpcException ex, string? runnerNote = null)
    {
        var metadata = Entries(ex.Trailers);
        RpcStatus? rich = null;
        try
        {
            rich = ex.GetRpcStatus();
        }
        catch (Exception parse)
        {
            runnerNote ??= "grpc-status-details-bin unreadable: " + parse.GetType().Name;
        }
        var note = runnerNote ?? (ex.Status.DebugException is { } debug && ex.StatusCode is StatusCode.Cancelled or StatusCode.DeadlineExceeded or StatusCode.Unavailable or StatusCode.Internal
            ? "client-side: " + debug.GetType().Name
            : null);
        return new Outcome { Code = (int)ex.StatusCode, Detail = ex.Status.Detail, Metadata = metadata, Rich = rich, RunnerNote = note };
    }

    public static Outcome Ok(Metadata headers, Metadata trailers, object? response, int messages = 1) => new()
    {
        Code = 0,
        Metadata = [.. Entries(headers), .. Entries(trailers)],
        Response = response,
        Messages = messages,
    };

    public static Outcome Runner(string note) => new() { RunnerNote = note };

    public static List<KeyValuePair<string, byte[]>> Entries(Metadata metadata) =>
        [.. metadata.Select(e => new KeyValuePair<string, byte[]>(e.Key, e.IsBinary ? e.ValueBytes : Encoding.UTF8.GetBytes(e.Value)))];
}
