using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Telemetry;

/// <summary>The upload and file ids a call's messages name, for its span and log scope.</summary>
internal static class CallIds
{
    public static void FromRequest(CallTelemetry call, object request)
    {
        switch (request)
        {
            case AddUploadPartRequest part:
                call.SetUploadId(part.UploadId);
                break;
            case CompleteUploadRequest complete:
                call.SetUploadId(complete.UploadId);
                break;
            case CancelUploadRequest cancel:
                call.SetUploadId(cancel.UploadId);
                break;
            case GetFileRequest get:
                call.SetFileId(get.FileId);
                break;
            case DeleteFileRequest delete:
                call.SetFileId(delete.FileId);
                break;
            case DownloadFileRequest download:
                call.SetFileId(download.FileId);
                break;
        }
    }

    public static void FromResponse(CallTelemetry call, object response)
    {
        switch (response)
        {
            case CreateUploadResponse created:
                FromUpload(call, created.Upload);
                break;
            case CompleteUploadResponse completed:
                FromUpload(call, completed.Upload);
                break;
            case CancelUploadResponse cancelled:
                FromUpload(call, cancelled.Upload);
                break;
            case GetFileResponse file:
                call.SetFileId(file.File?.Id);
                break;
            case CreateFileResponse file:
                call.SetFileId(file.File?.Id);
                break;
            case UploadFileResponse { Started: { } started }:
                call.SetUploadId(started.UploadId);
                break;
            case UploadFileResponse { Completed: { } completed }:
                FromUpload(call, completed.Upload);
                break;
        }
    }

    private static void FromUpload(CallTelemetry call, Upload? upload)
    {
        call.SetUploadId(upload?.Id);
        call.SetFileId(upload?.File?.Id);
    }
}
