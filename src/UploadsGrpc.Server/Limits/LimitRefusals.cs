using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using UploadsGrpc.Server.Errors;
using RpcStatus = Google.Rpc.Status;

namespace UploadsGrpc.Server.Limits;

/// <summary>
/// The statuses the request frame guard ends a call with. They are built here, complete with ErrorInfo, because
/// they are thrown while grpc-dotnet reads the request: for a unary call that is before any interceptor runs, and
/// grpc-dotnet then sends an RpcException's status and trailers as they are.
/// </summary>
internal static class LimitRefusals
{
    /// <summary>What a refusal for memory tells the client to wait: about the time one large part takes upstream.</summary>
    public static readonly TimeSpan MemoryRetryDelay = TimeSpan.FromSeconds(1);

    public static RpcException MessageTooLarge(string method, long length, int limit, string what) => Build(
        StatusCode.ResourceExhausted, LimitReasons.MessageTooLarge,
        $"The request message of {length} bytes is larger than {method} allows for {what}: at most {limit} bytes.",
        retryDelay: null, ("limit_bytes", limit.ToString(CultureInfo.InvariantCulture)), ("message_bytes", length.ToString(CultureInfo.InvariantCulture)));

    public static RpcException CompressedWithoutEncoding() => Build(
        StatusCode.Internal, LimitReasons.MalformedFrame,
        "A request message is marked compressed, but the request has no grpc-encoding header.", retryDelay: null);

    public static RpcException UnknownFlags(byte flags) => Build(
        StatusCode.Internal, LimitReasons.MalformedFrame,
        $"A request message has the flags byte {flags}; gRPC defines only 0 and 1 (compressed).", retryDelay: null);

    public static RpcException Truncated(long received, long expected) => Build(
        StatusCode.Internal, LimitReasons.MalformedFrame,
        $"The request body ended inside a message: {received} of its {expected} bytes (5-byte header included) arrived.", retryDelay: null);

    public static RpcException MemoryExhausted(long wanted, long budget, TimeSpan waited) => Build(
        StatusCode.ResourceExhausted, LimitReasons.MemoryExhausted,
        $"The server's memory for request bytes ({budget / (1024 * 1024)} MiB) stayed taken for {waited.TotalSeconds:0.#} s; " +
        $"this message needs {(wanted + (1024 * 1024) - 1) / (1024 * 1024)} MiB. Retry later.",
        MemoryRetryDelay, ("message_bytes", wanted.ToString(CultureInfo.InvariantCulture)));

    private static RpcException Build(StatusCode code, string reason, string message, TimeSpan? retryDelay, params (string Key, string Value)[] metadata)
    {
        var info = new ErrorInfo { Domain = ErrorDomains.Facade, Reason = reason };
        foreach (var (key, value) in metadata)
        {
            info.Metadata[key] = value;
        }
        var status = new RpcStatus { Code = (int)code, Message = message, Details = { Any.Pack(info) } };
        if (retryDelay is { } delay)
        {
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(delay) }));
        }
        return status.ToRpcExceptionWithPushback();
    }
}
