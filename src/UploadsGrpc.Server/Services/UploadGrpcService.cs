using Grpc.Core;
using UploadsGrpc.Server.Mapping;
using UploadsGrpc.Server.Memory;
using UploadsGrpc.Server.Streaming;
using UploadsGrpc.Server.Upstream;
using UploadsGrpc.Server.Upstream.Json;
using UploadsGrpc.Server.Validation;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Services;

/// <summary>
/// The four Upload RPCs: validate, call the upstream, map the answer. Failures are not caught here: they flow
/// to the <see cref="Errors.ErrorInterceptor"/>.
/// </summary>
internal sealed class UploadGrpcService(
    OpenAiUploadsClient upstream, UnknownEnumReporter unknown, PartMemoryReclaimer reclaimer)
    : UploadService.UploadServiceBase
{
    public override async Task<CreateUploadResponse> CreateUpload(CreateUploadRequest request, ServerCallContext context)
    {
        RequestValidator.Validate(request);
        var json = await upstream.CreateUploadAsync(RequestMapper.MapToCreateUploadBody(request), CallBudget.From(context));
        return new CreateUploadResponse { Upload = ResourceMapper.MapToUpload(json, unknown) };
    }

    public override async Task<AddUploadPartResponse> AddUploadPart(AddUploadPartRequest request, ServerCallContext context)
    {
        try
        {
            RequestValidator.Validate(request);
            var json = await upstream.AddUploadPartAsync(request.UploadId, request.Data.Memory, CallBudget.From(context));
            return new AddUploadPartResponse { Part = ResourceMapper.MapToUploadPart(json) };
        }
        finally
        {
            reclaimer.PartFinished(request.Data.Length);
        }
    }

    public override async Task<CompleteUploadResponse> CompleteUpload(CompleteUploadRequest request, ServerCallContext context)
    {
        RequestValidator.Validate(request);
        var body = new CompleteUploadBody([.. request.PartIds], request.Md5.Length > 0 ? request.Md5 : null);
        var json = await upstream.CompleteUploadAsync(request.UploadId, body, CallBudget.From(context));
        return new CompleteUploadResponse { Upload = ResourceMapper.MapToUpload(json, unknown) };
    }

    public override async Task<CancelUploadResponse> CancelUpload(CancelUploadRequest request, ServerCallContext context)
    {
        RequestValidator.Validate(request);
        var json = await upstream.CancelUploadAsync(request.UploadId, CallBudget.From(context));
        return new CancelUploadResponse { Upload = ResourceMapper.MapToUpload(json, unknown) };
    }

    // The session is resolved here, not injected: a constructor dependency would build one (and its upstream
    // client) for every unary call too, about a tenth of a CancelUpload's CPU (bench/RESULTS.md).
    public override Task UploadFile(IAsyncStreamReader<UploadFileRequest> requestStream, IServerStreamWriter<UploadFileResponse> responseStream, ServerCallContext context) =>
        context.GetHttpContext().RequestServices.GetRequiredService<UploadFileSession>().RunAsync(requestStream, responseStream, context);
}
