using System.Text;
using Google.Protobuf;
using Grpc.Core;

namespace UploadsGrpc.Server.Protocol;

/// <summary>
/// Gives a method a request marshaller whose deserializer reports bytes protobuf cannot parse (garbage, a bad wire
/// type, a truncated varint, a bad nested length, invalid UTF-8 in a string) as INVALID_ARGUMENT, reason
/// MALFORMED_MESSAGE. grpc-dotnet calls the deserializer itself, before any interceptor, and reports what it throws
/// as UNKNOWN; an RpcException is the one thing it passes on as it is.
/// </summary>
internal static class MessageGuard
{
    public static Method<TRequest, TResponse> Guard<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class
        where TResponse : class
    {
        var deserialize = method.RequestMarshaller.ContextualDeserializer;
        var messageType = MessageTypeOf(deserialize) ?? method.FullName.TrimStart('/') + " request";
        var guarded = new Marshaller<TRequest>(method.RequestMarshaller.ContextualSerializer, context =>
        {
            try
            {
                return deserialize(context);
            }
            // InvalidProtocolBufferException is what protobuf throws for bytes it cannot parse; invalid UTF-8 in a
            // string field surfaces as the decoder's exception.
            catch (Exception ex) when (ex is InvalidProtocolBufferException or DecoderFallbackException)
            {
                throw ProtocolErrors.MalformedMessage(messageType, ex);
            }
        });
        return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, guarded, method.ResponseMarshaller);
    }

    /// <summary>
    /// The protobuf name of the request type (uploadsgrpc.v1.CreateUploadRequest), read from an empty message the
    /// deserializer itself makes: that needs no reflection over the type, which trimming could break.
    /// </summary>
    private static string? MessageTypeOf<T>(Func<DeserializationContext, T> deserialize)
    {
        try
        {
            return deserialize(new BufferDeserializationContext([])) is IMessage message ? message.Descriptor.FullName : null;
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }
}
