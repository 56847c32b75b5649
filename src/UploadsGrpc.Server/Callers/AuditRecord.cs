using Grpc.Core;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Callers;

/// <summary>What the audit event of one mutating call says, filled in from the messages as they pass.</summary>
internal sealed class AuditRecord(string method)
{
    public string Method { get; } = method;

    /// <summary>The caller, or empty when the call was refused before one was known.</summary>
    public string Caller { get; set; } = "";

    public string? UploadId { get; private set; }

    public string? FileId { get; private set; }

    /// <summary>The bytes the call declared or carried: an upload's size, a part's length.</summary>
    public long? Bytes { get; private set; }

    public StatusCode Status { get; set; } = StatusCode.Unknown;

    public void Observe(object message)
    {
        switch (message)
        {
            case CreateUploadRequest request:
                Bytes = request.Bytes;
                break;
            case CreateUploadResponse response:
                UploadId = response.Upload?.Id;
                break;
            case AddUploadPartRequest request:
                (UploadId, Bytes) = (request.UploadId, request.Data.Length);
                break;
            case CompleteUploadRequest request:
                UploadId = request.UploadId;
                break;
            case CompleteUploadResponse response:
                FileId = NonEmpty(response.Upload?.File?.Id);
                break;
            case CancelUploadRequest request:
                UploadId = request.UploadId;
                break;
            case UploadFileRequest { PayloadCase: UploadFileRequest.PayloadOneofCase.Metadata, Metadata: var metadata }:
                (UploadId, Bytes) = (NonEmpty(metadata.Resume?.UploadId), metadata.Bytes);
                break;
            case UploadFileResponse { EventCase: UploadFileResponse.EventOneofCase.Started, Started: var started }:
                UploadId = started.UploadId;
                break;
            case UploadFileResponse { EventCase: UploadFileResponse.EventOneofCase.Completed, Completed: var completed }:
                FileId = NonEmpty(completed.Upload?.File?.Id);
                break;
            case CreateFileRequest { PayloadCase: CreateFileRequest.PayloadOneofCase.Metadata, Metadata: var metadata }:
                Bytes = metadata.Bytes;
                break;
            case CreateFileResponse response:
                FileId = NonEmpty(response.File?.Id);
                break;
            case DeleteFileRequest request:
                FileId = request.FileId;
                break;
        }
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
