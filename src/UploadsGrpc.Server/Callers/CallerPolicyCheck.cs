using UploadsGrpc.Server.Mapping;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Callers;

/// <summary>
/// The caller's purposes and bytes per upload, checked on the message that declares them (a unary request, or a
/// stream's metadata message) before the service sees it, so a refused upload never reaches the upstream.
/// </summary>
internal static class CallerPolicyCheck
{
    public static void Check(Caller caller, object message)
    {
        switch (message)
        {
            case CreateUploadRequest request:
                Upload(caller, RequestMapper.MapToPurpose(request.Purpose, request.PurposeValue), request.Bytes, "purpose", "bytes");
                break;
            case UploadFileRequest { PayloadCase: UploadFileRequest.PayloadOneofCase.Metadata, Metadata: var metadata }:
                // A resumed upload's purpose was checked when it was created.
                Upload(caller, metadata.Resume is null ? RequestMapper.MapToPurpose(metadata.Purpose, metadata.PurposeValue) : "",
                    metadata.Bytes, "metadata.purpose", "metadata.bytes");
                break;
            case CreateFileRequest { PayloadCase: CreateFileRequest.PayloadOneofCase.Metadata, Metadata: var metadata }:
                Upload(caller, RequestMapper.MapToPurpose(metadata.Purpose, metadata.PurposeValue), metadata.Bytes, "metadata.purpose", "metadata.bytes");
                break;
        }
    }

    /// <summary>An empty purpose is left to validation, which names it as missing.</summary>
    private static void Upload(Caller caller, string purpose, long bytes, string purposeField, string bytesField)
    {
        if (caller.Purposes is { } allowed && purpose.Length > 0 && !allowed.Contains(purpose))
        {
            throw CallerRefusals.PurposeNotAllowed(caller, purposeField, purpose);
        }
        if (caller.MaxUploadBytes is { } max && bytes > max)
        {
            throw CallerRefusals.UploadTooLarge(caller, bytesField, bytes, max);
        }
    }
}
