using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using UploadsGrpc.Server.Errors;
using RpcStatus = Google.Rpc.Status;

namespace UploadsGrpc.Server.Protocol;

/// <summary>
/// The statuses for requests whose bytes arrived but are not what gRPC and protobuf promise. They are built as
/// <see cref="RpcException"/>s carrying a google.rpc.Status, because they are thrown from inside grpc-dotnet's
/// reading (the marshaller, the decompressor), before any interceptor: grpc-dotnet copies an RpcException's
/// trailers into the response, so the ErrorInfo reaches the client, and the error mapper passes such a status on
/// unchanged when the failure surfaces in a streaming handler.
/// </summary>
internal static class ProtocolErrors
{
    public static RpcException MalformedMessage(string messageType, Exception parseFailure) => Build(
        StatusCode.InvalidArgument, FacadeReasons.MalformedMessage,
        $"The request message is not a valid {messageType}: {parseFailure.Message} Nothing was sent upstream for it.",
        ("message_type", messageType));

    public static RpcException MalformedFrame(string encoding) => Build(
        StatusCode.Internal, FacadeReasons.MalformedFrame,
        $"A request message marked as compressed with {encoding} does not decompress.",
        ("encoding", encoding));

    /// <summary>grpc-dotnet's own UNIMPLEMENTED for a grpc-encoding without a provider, its message (which lists the supported ones) kept.</summary>
    public static RpcException UnsupportedEncoding(string detail) =>
        Build(StatusCode.Unimplemented, FacadeReasons.UnsupportedEncoding, detail);

    public static RpcException DecompressedTooLarge(string encoding, long limit) => Build(
        StatusCode.ResourceExhausted, FacadeReasons.MessageTooLarge,
        $"A request message compressed with {encoding} decompresses to more than {limit} bytes.",
        ("limit_bytes", limit.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public static RpcException Build(StatusCode code, string reason, string message, params (string Key, string? Value)[] metadata) =>
        Status(code, reason, message, metadata).ToRpcException();

    public static RpcStatus Status(StatusCode code, string reason, string message, params (string Key, string? Value)[] metadata)
    {
        var info = new ErrorInfo { Domain = ErrorDomains.Facade, Reason = reason };
        foreach (var (key, value) in metadata)
        {
            if (value is not null)
            {
                info.Metadata[key] = value;
            }
        }
        return new RpcStatus { Code = (int)code, Message = message, Details = { Any.Pack(info) } };
    }
}
