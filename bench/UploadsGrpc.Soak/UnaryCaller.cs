using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using UploadsGrpc.V1;

namespace UploadsGrpc.Soak;

/// <summary>
/// One of the run's unary callers: until the stop, a call picked at random from a fixed mix, one after another,
/// each with its own deadline and no retry (what a caller sees is what is counted). Anything it creates it removes:
/// an upload is completed or cancelled, a file deleted.
/// </summary>
internal sealed class UnaryCaller(Calls calls, UploadService.UploadServiceClient uploads, FileService.FileServiceClient files, string knownFileId, long knownFileBytes)
{
    private const int SmallBytes = 4096;
    private static readonly byte[] Small = RandomNumberGenerator.GetBytes(SmallBytes);
    private static readonly string SmallMd5 = Convert.ToHexStringLower(MD5.HashData(Small));

    /// <summary>The mix, in percent: GetFile 30, ListFiles 20, CreateUpload + CancelUpload 25, a small upload 10, DownloadFile 15.</summary>
    public async Task RunAsync(int seed, CancellationToken stop, CancellationToken hard)
    {
        var random = new Random(seed);
        for (var i = 0; i < 1_000_000 && !stop.IsCancellationRequested; i++)
        {
            var pick = random.Next(100);
            if (pick < 30)
            {
                await calls.UnaryAsync("GetFile", o => files.GetFileAsync(new GetFileRequest { FileId = knownFileId }, o));
            }
            else if (pick < 50)
            {
                await calls.UnaryAsync("ListFiles", o => files.ListFilesAsync(new ListFilesRequest { PageSize = 20 }, o));
            }
            else if (pick < 75)
            {
                await CreateAndCancelAsync();
            }
            else if (pick < 85)
            {
                await SmallUploadAsync();
            }
            else
            {
                await DownloadAsync(hard);
            }
        }
    }

    private async Task CreateAndCancelAsync()
    {
        var created = await calls.UnaryAsync("CreateUpload", o => uploads.CreateUploadAsync(NewUpload("soak-cancelled.bin"), o));
        if (created is not null)
        {
            await calls.CancelUploadAsync(uploads, created.Upload.Id);
        }
    }

    /// <summary>CreateUpload, one part, CompleteUpload with the MD5, DeleteFile; a step that fails cancels the upload.</summary>
    private async Task SmallUploadAsync()
    {
        var created = await calls.UnaryAsync("CreateUpload", o => uploads.CreateUploadAsync(NewUpload("soak-small.bin"), o));
        if (created is null)
        {
            return;
        }
        var id = created.Upload.Id;
        var part = await calls.UnaryAsync("AddUploadPart", o => uploads.AddUploadPartAsync(
            new AddUploadPartRequest { UploadId = id, Data = UnsafeByteOperations.UnsafeWrap(Small) }, o));
        var completed = part is null ? null : await calls.UnaryAsync("CompleteUpload", o => uploads.CompleteUploadAsync(
            new CompleteUploadRequest { UploadId = id, PartIds = { part.Part.Id }, Md5 = SmallMd5 }, o));
        if (completed?.Upload.File is { } file)
        {
            await calls.DeleteFileAsync(files, file.Id);
        }
        else
        {
            await calls.CancelUploadAsync(uploads, id);
        }
    }

    private async Task DownloadAsync(CancellationToken hard)
    {
        calls.Count("DownloadFile");
        try
        {
            using var call = files.DownloadFile(new DownloadFileRequest { FileId = knownFileId }, deadline: DateTime.UtcNow + Calls.Deadline, cancellationToken: hard);
            long bytes = 0;
            await foreach (var message in call.ResponseStream.ReadAllAsync(hard))
            {
                bytes += message.Chunk.Length;
            }
            if (bytes != knownFileBytes)
            {
                calls.Mismatch("DownloadFile", $"{bytes} bytes, the file has {knownFileBytes}");
            }
        }
        catch (RpcException error) when (!hard.IsCancellationRequested)
        {
            calls.Failed("DownloadFile", error);
        }
        catch (Exception error) when (error is RpcException or OperationCanceledException && hard.IsCancellationRequested)
        {
            calls.Cut("DownloadFile");
        }
    }

    private static CreateUploadRequest NewUpload(string filename) =>
        new() { Filename = filename, Purpose = FilePurpose.Assistants, Bytes = SmallBytes, MimeType = "application/octet-stream" };
}
