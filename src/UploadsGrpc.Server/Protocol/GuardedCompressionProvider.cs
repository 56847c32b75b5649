using System.IO.Compression;
using Grpc.Net.Compression;

namespace UploadsGrpc.Server.Protocol;

/// <summary>
/// One of grpc-dotnet's compression providers (gzip, deflate), with a decompression stream that reports a payload
/// that does not decompress as INTERNAL, reason MALFORMED_FRAME, instead of the UNKNOWN an InvalidDataException
/// becomes, and stops a payload that inflates past <paramref name="maxDecompressedBytes"/> (grpc-dotnet bounds
/// only the compressed size, so a small frame could otherwise inflate without limit). The limit is asked for per
/// message, because it is the method's own: 1 MiB for most, a whole part for AddUploadPart.
/// </summary>
internal sealed class GuardedCompressionProvider(ICompressionProvider inner, Func<long> maxDecompressedBytes) : ICompressionProvider
{
    public string EncodingName => inner.EncodingName;

    public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) =>
        inner.CreateCompressionStream(stream, compressionLevel);

    public Stream CreateDecompressionStream(Stream stream) =>
        new GuardedDecompressionStream(inner.CreateDecompressionStream(stream), inner.EncodingName, maxDecompressedBytes());
}
