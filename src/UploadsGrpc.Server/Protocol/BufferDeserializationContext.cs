using System.Buffers;
using Grpc.Core;

namespace UploadsGrpc.Server.Protocol;

/// <summary>A whole payload in memory, for running a method's request deserializer outside a call.</summary>
internal sealed class BufferDeserializationContext(byte[] payload) : DeserializationContext
{
    public override int PayloadLength => payload.Length;

    public override byte[] PayloadAsNewBuffer() => (byte[])payload.Clone();

    public override ReadOnlySequence<byte> PayloadAsReadOnlySequence() => new(payload);
}
