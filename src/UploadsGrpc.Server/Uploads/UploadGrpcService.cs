using Grpc.Core;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Limits;
using UploadsGrpc.Server.Mapping;
using UploadsGrpc.Server.Uploads.UploadFile;
using UploadsGrpc.Server.Upstream;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Uploads;

/// <summary>
/// The Upload RPCs: validate, call the upstream, map the answer; UploadFile runs in its own session. Failures are
/// not caught here: they flow to the <see cref="Errors.ErrorInterceptor"/>.
/// </summary>
internal sealed class UploadGrpcService(
    OpenAiUploadsClient upstream, UnknownEnumReporter unknown, PartMemoryReclaimer reclaimer, IOptions<LimitsOptions> limits)
    : UploadService.UploadServiceBase
{
    public override async Task<CreateUploadResponse> CreateUpload(CreateUploadRequest request, ServerCallContext context)
    {
        UploadRequestValidator.Validate(request, limits.Value.MaxFilenameBytes);
        var json = await upstream.CreateUploadAsync(RequestMapper.MapToCreateUploadBody(request), CallBudget.From(context));
        return new CreateUploadResponse { Upload = ResourceMapper.MapToUpload(json, unknown) };
    }

    public override async Task<AddUploadPartResponse> AddUploadPart(AddUploadPartRequest request, ServerCallContext context)
    {
        try
        {
            UploadRequestValidator.Validate(request);
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
        UploadRequestValidator.Validate(request);
        var json = await upstream.CompleteUploadAsync(request.UploadId, RequestMapper.MapToCompleteUploadBody(request), CallBudget.From(context));
        return new CompleteUploadResponse { Upload = ResourceMapper.MapToUpload(json, unknown) };
    }

    public override async Task<CancelUploadResponse> CancelUpload(CancelUploadRequest request, ServerCallContext context)
    {
        UploadRequestValidator.Validate(request);
        var json = await upstream.CancelUploadAsync(request.UploadId, CallBudget.From(context));
        return new CancelUploadResponse { Upload = ResourceMapper.MapToUpload(json, unknown) };
    }

    // Resolved per call, not injected: a constructor dependency would build a session, with its own upstream
    // client, for every unary call too (bench/ANALYSIS.md).
    public override Task UploadFile(IAsyncStreamReader<UploadFileRequest> requestStream, IServerStreamWriter<UploadFileResponse> responseStream, ServerCallContext context) =>
        context.GetHttpContext().RequestServices.GetRequiredService<UploadFileSession>().RunAsync(requestStream, responseStream, context);
}
