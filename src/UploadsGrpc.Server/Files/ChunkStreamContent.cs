using System.Net;
using Grpc.Core;
using UploadsGrpc.Server.Errors;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Files;

/// <summary>
/// The file part of POST /files, read from a CreateFile stream while HttpClient sends it: chunk by chunk, so a
/// file of up to 512 MiB never sits in memory. Its length is the declared size, so the request has a
/// Content-Length; a stream that carries more or fewer bytes aborts the request with INVALID_ARGUMENT.
/// </summary>
internal sealed class ChunkStreamContent(IAsyncStreamReader<CreateFileRequest> requests, long bytes, CancellationToken cancellation) : HttpContent
{
    private int _started;

    /// <summary>Whether sending began, so some of the caller's stream may be gone: then it cannot be sent again.</summary>
    public bool Started => Volatile.Read(ref _started) != 0;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _started, 1);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, cancellationToken);
        long sent = 0;
        while (await requests.MoveNext(linked.Token))
        {
            var message = requests.Current;
            if (message.PayloadCase != CreateFileRequest.PayloadOneofCase.Chunk)
            {
                InvalidRequestException.Throw("metadata", "was sent again; it must be the first message, and only the first.");
            }
            sent += message.Chunk.Length;
            if (sent > bytes)
            {
                InvalidRequestException.Throw("bytes", $"is {bytes}, but the stream carried more: {sent} bytes so far.");
            }
            await stream.WriteAsync(message.Chunk.Memory, linked.Token);
        }
        if (sent != bytes)
        {
            InvalidRequestException.Throw("bytes", $"is {bytes}, but the stream ended after {sent} bytes.");
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = bytes;
        return true;
    }
}
