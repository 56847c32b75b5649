using System.Buffers;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using UploadsGrpc.Server.Errors;
using UploadsGrpc.Server.Mapping;
using UploadsGrpc.Server.Upstream;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Files;

/// <summary>
/// One DownloadFile call: the FileObject first, so the client knows the size and can resume, then the bytes from
/// <c>read_offset</c> in chunks of at most <see cref="ChunkBytes"/> from one pooled buffer. A body shorter or longer
/// than the file is DATA_LOSS, never passed off as the file.
/// </summary>
internal sealed class FileDownload(OpenAiUploadsClient upstream, UnknownEnumReporter unknown)
{
    /// <summary>The largest chunk: big enough to keep per-message costs small, small enough for default client limits (4 MiB).</summary>
    public const int ChunkBytes = 1024 * 1024;

    public async Task RunAsync(DownloadFileRequest request, IServerStreamWriter<DownloadFileResponse> responses, ServerCallContext context)
    {
        var budget = CallBudget.From(context);
        var file = ResourceMapper.MapToFile(await upstream.GetFileAsync(request.FileId, budget), unknown);
        if (request.ReadOffset > file.Bytes)
        {
            throw FacadeException.OutOfRange("read_offset", $"read_offset is {request.ReadOffset}, beyond the file's {file.Bytes} bytes.");
        }
        await responses.WriteAsync(new DownloadFileResponse { File = file }, context.CancellationToken);

        using var response = await upstream.OpenFileContentAsync(request.FileId, request.ReadOffset, budget);
        // Each read waits at most Upstream:BodyIdleTimeout: a stalled body ends the call (UPSTREAM_TIMEOUT) and, with the
        // response disposed, frees the upstream connection instead of holding it for as long as the caller waits.
        await using var body = await upstream.OpenBodyAsync(response, context.CancellationToken);
        // An upstream that ignores Range answers 200 with the whole file: the head is skipped here instead.
        var skip = response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From == request.ReadOffset
            ? 0
            : request.ReadOffset;
        var sent = await CopyAsync(body, skip, responses, context.CancellationToken);
        var expected = file.Bytes - request.ReadOffset;
        if (sent != expected)
        {
            throw new FacadeException(StatusCode.DataLoss, FacadeReasons.ContentLengthMismatch,
                $"The upstream sent {sent} bytes from offset {request.ReadOffset}, but the file holds {expected} from there.");
        }
    }

    /// <summary>Sends the body as chunks, less its first <paramref name="skip"/> bytes, and returns how many bytes were sent.</summary>
    private static async Task<long> CopyAsync(Stream body, long skip, IServerStreamWriter<DownloadFileResponse> responses, CancellationToken cancellation)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            long sent = 0;
            int filled;
            while ((filled = await FillAsync(body, buffer.AsMemory(0, ChunkBytes), cancellation)) > 0)
            {
                var chunk = buffer.AsMemory(0, filled);
                if (skip > 0)
                {
                    var skipped = (int)Math.Min(skip, filled);
                    skip -= skipped;
                    chunk = chunk[skipped..];
                    if (chunk.IsEmpty)
                    {
                        continue;
                    }
                }
                sent += chunk.Length;
                // The buffer is wrapped, not copied: WriteAsync has serialized the message when it completes.
                await responses.WriteAsync(new DownloadFileResponse { Chunk = UnsafeByteOperations.UnsafeWrap(chunk) }, cancellation);
            }
            return sent;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<int> FillAsync(Stream body, Memory<byte> buffer, CancellationToken cancellation)
    {
        var filled = 0;
        int read;
        while (filled < buffer.Length && (read = await body.ReadAsync(buffer[filled..], cancellation)) > 0)
        {
            filled += read;
        }
        return filled;
    }
}
