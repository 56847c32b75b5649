using Grpc.Core;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Errors;
using UploadsGrpc.Server.Limits;
using UploadsGrpc.Server.Mapping;
using UploadsGrpc.Server.Upstream;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Files;

/// <summary>
/// The Files RPCs: validate, call the upstream, map the answer. Downloads and creations stream through bounded
/// buffers. Failures are not caught here: they flow to the <see cref="ErrorInterceptor"/>.
/// </summary>
internal sealed class FileGrpcService(OpenAiUploadsClient upstream, UnknownEnumReporter unknown, IOptions<LimitsOptions> limits) : FileService.FileServiceBase
{
    public override async Task<GetFileResponse> GetFile(GetFileRequest request, ServerCallContext context)
    {
        FileRequestValidator.ValidateFileId(request.FileId);
        var json = await upstream.GetFileAsync(request.FileId, CallBudget.From(context));
        return new GetFileResponse { File = ResourceMapper.MapToFile(json, unknown) };
    }

    public override async Task<ListFilesResponse> ListFiles(ListFilesRequest request, ServerCallContext context)
    {
        FileRequestValidator.Validate(request);
        var query = RequestMapper.MapToFileListQuery(request);
        var filters = PageToken.Filters(query.Purpose, query.Order);
        query = query with { After = PageToken.Read(request.PageToken, filters) };

        var page = await upstream.ListFilesAsync(query, CallBudget.From(context));
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
        return ResourceMapper.MapToDeleteFileResponse(await upstream.DeleteFileAsync(request.FileId, CallBudget.From(context)));
    }

    public override Task DownloadFile(DownloadFileRequest request, IServerStreamWriter<DownloadFileResponse> responseStream, ServerCallContext context)
    {
        FileRequestValidator.Validate(request);
        return new FileDownload(upstream, unknown).RunAsync(request, responseStream, context);
    }

    public override async Task<CreateFileResponse> CreateFile(IAsyncStreamReader<CreateFileRequest> requestStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken) || requestStream.Current.PayloadCase != CreateFileRequest.PayloadOneofCase.Metadata)
        {
            InvalidRequestException.Throw("metadata", "must be the first message; nothing was sent upstream.");
        }
        var metadata = requestStream.Current.Metadata;
        FileRequestValidator.Validate(metadata, limits.Value.MaxFilenameBytes);
        using var bytes = new ChunkStreamContent(requestStream, metadata.Bytes, context.CancellationToken);
        var json = await upstream.CreateFileAsync(RequestMapper.MapToCreateFileForm(metadata), bytes, CallBudget.From(context), () => !bytes.Started);
        return new CreateFileResponse { File = ResourceMapper.MapToFile(json, unknown) };
    }
}
