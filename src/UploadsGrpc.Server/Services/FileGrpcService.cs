using System.Buffers;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using UploadsGrpc.Server.Errors;
using UploadsGrpc.Server.Files;
using UploadsGrpc.Server.Mapping;
using UploadsGrpc.Server.Upstream;
using UploadsGrpc.Server.Validation;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Services;

/// <summary>
/// The Files RPCs: validate, call the upstream, map the answer. Downloads and creations stream through bounded
/// buffers. Failures flow to the <see cref="ErrorInterceptor"/>.
/// </summary>
internal sealed class FileGrpcService(OpenAiUploadsClient upstream, UnknownEnumReporter unknown) : FileService.FileServiceBase
{
    /// <summary>The largest DownloadFile chunk: big enough to keep per-message costs small, small enough for default client limits (4 MiB).</summary>
    internal const int DownloadChunkBytes = 1024 * 1024;

    public override async Task<GetFileResponse> GetFile(GetFileRequest request, ServerCallContext context)
    {
        FileRequestValidator.ValidateFileId(request.FileId);
        var json = await upstream.GetFileAsync(request.FileId, CallBudget.From(context));
        return new GetFileResponse { File = ResourceMapper.MapToFile(json, unknown) };
    }

    public override async Task<ListFilesResponse> ListFiles(ListFilesRequest request, ServerCallContext context)
    {
        FileRequestValidator.Validate(request);
        var purpose = request.Purpose != FilePurpose.Unspecified || request.PurposeValue.Length > 0
            ? RequestMapper.MapToPurpose(request.Purpose, request.PurposeValue)
            : null;
        var order = request.Order == SortOrder.Asc ? "asc" : "desc";
        var filters = PageToken.Filters(purpose, order);
        var after = PageToken.Read(request.PageToken, filters);
        var pageSize = request.PageSize == 0 ? UpstreamLimits.DefaultPageSize : request.PageSize;

        var page = await upstream.ListFilesAsync(new FileListQuery(pageSize, order, purpose, after), CallBudget.From(context));
        var response = new ListFilesResponse();
        response.Files.AddRange(page.Data.Select(file => ResourceMapper.MapToFile(file, unknown)));
        if (page.HasMore && (page.LastId ?? page.Data.LastOrDefault()?.Id) is { Length: > 0 } last)
        {
            response.NextPageToken = PageToken.Issue(filters, last);
        }
        return response;
    }

    public override async Task<DeleteFileResponse> DeleteFile(DeleteFileRequest request, ServerCallContext context)
    {
        FileRequestValidator.ValidateFileId(request.FileId);
        var json = await upstream.DeleteFileAsync(request.FileId, CallBudget.From(context));
        return new DeleteFileResponse { FileId = json.Id, Deleted = json.Deleted };
    }

    public override async Task DownloadFile(DownloadFileRequest request, IServerStreamWriter<DownloadFileResponse> responseStream, ServerCallContext context)
    {
        FileRequestValidator.Validate(request);
        var budget = CallBudget.From(context);
        var file = ResourceMapper.MapToFile(await upstream.GetFileAsync(request.FileId, budget), unknown);
        if (request.ReadOffset > file.Bytes)
        {
            throw FacadeException.OutOfRange("read_offset", $"read_offset is {request.ReadOffset}, beyond the file's {file.Bytes} bytes.");
        }
        await responseStream.WriteAsync(new DownloadFileResponse { File = file }, context.CancellationToken);

        using var response = await upstream.OpenFileContentAsync(request.FileId, request.ReadOffset, budget);
        await using var body = await response.Content.ReadAsStreamAsync(context.CancellationToken);
        // An upstream that ignores Range answers 200 with the whole file: the head is skipped here instead.
        var skip = response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From == request.ReadOffset
            ? 0
            : request.ReadOffset;
        var expected = file.Bytes - request.ReadOffset;
        var buffer = ArrayPool<byte>.Shared.Rent(DownloadChunkBytes);
        try
        {
            long sent = 0;
            int filled;
            while ((filled = await FillAsync(body, buffer.AsMemory(0, DownloadChunkBytes), context.CancellationToken)) > 0)
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
                await responseStream.WriteAsync(new DownloadFileResponse { Chunk = UnsafeByteOperations.UnsafeWrap(chunk) }, context.CancellationToken);
            }
            if (sent != expected)
            {
                // A short or long body must not pass as the file.
                throw new FacadeException(StatusCode.DataLoss, FacadeReasons.ContentLengthMismatch,
                    $"The upstream sent {sent} bytes from offset {request.ReadOffset}, but the file holds {expected} from there.");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public override async Task<CreateFileResponse> CreateFile(IAsyncStreamReader<CreateFileRequest> requestStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken) || requestStream.Current.PayloadCase != CreateFileRequest.PayloadOneofCase.Metadata)
        {
            InvalidRequestException.Throw([RequestValidator.Violation("metadata", "must be the first message; nothing was sent upstream.")]);
        }
        var metadata = requestStream.Current.Metadata;
        FileRequestValidator.Validate(metadata);
        using var form = FileMultipart.MapToMultipart(metadata, new ChunkStreamContent(requestStream, metadata.Bytes, context.CancellationToken));
        var json = await upstream.CreateFileAsync(form, CallBudget.From(context));
        return new CreateFileResponse { File = ResourceMapper.MapToFile(json, unknown) };
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
