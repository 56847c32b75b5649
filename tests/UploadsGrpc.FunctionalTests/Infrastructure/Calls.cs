using Google.Protobuf;
using Grpc.Core;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>Valid requests of each RPC, so a test can name the RPC and vary only what it is about.</summary>
public static class Calls
{
    public static CreateUploadRequest ValidCreate() => new()
    {
        Filename = "training_examples.jsonl",
        Purpose = FilePurpose.FineTune,
        Bytes = 8,
        MimeType = "text/jsonl",
    };

    public static AddUploadPartRequest ValidPart(string uploadId = "upload_abc123") =>
        new() { UploadId = uploadId, Data = ByteString.CopyFromUtf8("{\"a\":1}\n") };

    public static CompleteUploadRequest ValidComplete(string uploadId = "upload_abc123") =>
        new() { UploadId = uploadId, PartIds = { "part_def456" } };

    public static CancelUploadRequest ValidCancel(string uploadId = "upload_abc123") => new() { UploadId = uploadId };

    /// <summary>Starts one valid call of <paramref name="rpc"/> (create, part, complete or cancel) and returns its trailers.</summary>
    public static async Task<Metadata> InvokeAsync(UploadService.UploadServiceClient client, string rpc, CallOptions options = default)
    {
        switch (rpc)
        {
            case "create":
                using (var call = client.CreateUploadAsync(ValidCreate(), options)) { await call; return call.GetTrailers(); }
            case "part":
                using (var call = client.AddUploadPartAsync(ValidPart(), options)) { await call; return call.GetTrailers(); }
            case "complete":
                using (var call = client.CompleteUploadAsync(ValidComplete(), options)) { await call; return call.GetTrailers(); }
            case "cancel":
                using (var call = client.CancelUploadAsync(ValidCancel(), options)) { await call; return call.GetTrailers(); }
            default:
                throw new ArgumentOutOfRangeException(nameof(rpc), rpc, "create, part, complete or cancel");
        }
    }
}
