using System.Text;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests;

/// <summary>FileService through the server process to its own standalone emulator, so file counts are exact.</summary>
[Collection(ProcessTests.Name)]
public sealed class FileServiceTests(StandaloneDeployment stack) : IClassFixture<StandaloneDeployment>
{
    private static async Task<FileObject> CreateAsync(FileService.FileServiceClient files, byte[] content, string filename, FilePurpose purpose, int chunkSize = 4096)
    {
        using var call = files.CreateFile();
        await call.RequestStream.WriteAsync(new CreateFileRequest
        {
            Metadata = new CreateFileMetadata { Filename = filename, Purpose = purpose, Bytes = content.Length, MimeType = "text/plain" },
        });
        for (var offset = 0; offset < content.Length; offset += chunkSize)
        {
            await call.RequestStream.WriteAsync(new CreateFileRequest { Chunk = ByteString.CopyFrom(content, offset, Math.Min(chunkSize, content.Length - offset)) });
        }
        await call.RequestStream.CompleteAsync();
        return (await call).File;
    }

    private static async Task<(FileObject? File, byte[] Bytes)> DownloadAsync(FileService.FileServiceClient files, string id, long offset = 0)
    {
        using var call = files.DownloadFile(new DownloadFileRequest { FileId = id, ReadOffset = offset });
        FileObject? file = null;
        using var bytes = new MemoryStream();
        await foreach (var message in call.ResponseStream.ReadAllAsync())
        {
            if (message.PayloadCase == DownloadFileResponse.PayloadOneofCase.File)
            {
                Assert.Null(file);
                Assert.Equal(0, bytes.Length);
                file = message.File;
            }
            else
            {
                message.Chunk.WriteTo(bytes);
            }
        }
        return (file, bytes.ToArray());
    }

    [Fact]
    public async Task Create_get_download_and_delete_a_file()
    {
        var files = stack.Server.Files;
        var content = TestData.Bytes(0, 100_000);
        var created = await CreateAsync(files, content, "naïve résumé.txt", FilePurpose.Assistants, chunkSize: 7777);
        Assert.StartsWith("file-", created.Id, StringComparison.Ordinal);
        Assert.Equal(100_000, created.Bytes);
        Assert.Equal("naïve résumé.txt", created.Filename);
        Assert.Equal(FilePurpose.Assistants, created.Purpose);

        var got = (await files.GetFileAsync(new GetFileRequest { FileId = created.Id })).File;
        Assert.Equal(created, got);

        var (file, bytes) = await DownloadAsync(files, created.Id);
        Assert.Equal(created, file);
        Assert.Equal(content, bytes);
        var (_, tail) = await DownloadAsync(files, created.Id, offset: 99_000);
        Assert.Equal(content[99_000..], tail);
        var (_, none) = await DownloadAsync(files, created.Id, offset: 100_000);
        Assert.Empty(none);
        var beyond = await RpcAssert.FailsAsync(StatusCode.OutOfRange, () => DownloadAsync(files, created.Id, offset: 100_001));
        Assert.Equal("read_offset", beyond.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations[0].Field);

        var deleted = await files.DeleteFileAsync(new DeleteFileRequest { FileId = created.Id });
        Assert.Equal(created.Id, deleted.FileId);
        Assert.True(deleted.Deleted);
        var gone = await RpcAssert.FailsAsync(StatusCode.NotFound, () => files.GetFileAsync(new GetFileRequest { FileId = created.Id }).ResponseAsync);
        Assert.Equal("api.openai.com", gone.GetRpcStatus()!.GetDetail<ErrorInfo>().Domain);
    }

    [Fact]
    public async Task A_create_stream_with_the_wrong_byte_count_is_invalid_and_leaves_no_file()
    {
        var files = stack.Server.Files;
        var before = (await stack.Emulator.StorageAsync()).GetProperty("files").GetInt32();
        using var call = files.CreateFile();
        await call.RequestStream.WriteAsync(new CreateFileRequest
        {
            Metadata = new CreateFileMetadata { Filename = "short.txt", Purpose = FilePurpose.Vision, Bytes = 10_000, MimeType = "text/plain" },
        });
        await call.RequestStream.WriteAsync(new CreateFileRequest { Chunk = ByteString.CopyFrom(new byte[5000]) });
        await call.RequestStream.CompleteAsync();
        var failure = await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => call.ResponseAsync);
        Assert.Equal("bytes", failure.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations[0].Field);
        await Poll.UntilAsync(async () => (await stack.Emulator.StorageAsync()).GetProperty("files").GetInt32() == before, TimeSpan.FromSeconds(10));

        using var early = files.CreateFile();
        await early.RequestStream.WriteAsync(new CreateFileRequest { Chunk = ByteString.CopyFromUtf8("too soon") });
        await early.RequestStream.CompleteAsync();
        var first = await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => early.ResponseAsync);
        Assert.Equal("metadata", first.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations[0].Field);
    }

    [Fact]
    public async Task ListFiles_pages_through_250_files_in_a_stable_order()
    {
        var files = stack.Server.Files;
        var created = new List<string>();
        for (var i = 0; i < 250; i++)
        {
            created.Add((await CreateAsync(files, Encoding.UTF8.GetBytes($"file {i}"), $"f{i}.txt", FilePurpose.UserData)).Id);
        }

        var pages = new List<ListFilesResponse>();
        var token = "";
        do
        {
            var page = await files.ListFilesAsync(new ListFilesRequest { PageSize = 100, PageToken = token, Purpose = FilePurpose.UserData, Order = SortOrder.Asc });
            pages.Add(page);
            token = page.NextPageToken;
        }
        while (token.Length > 0 && pages.Count < 10);

        Assert.Equal([100, 100, 50], pages.Select(p => p.Files.Count));
        var listed = pages.SelectMany(p => p.Files).Select(f => f.Id).ToList();
        Assert.Equal(created, listed);
        Assert.All(pages.SelectMany(p => p.Files), f => Assert.Equal(FilePurpose.UserData, f.Purpose));

        var newestFirst = await files.ListFilesAsync(new ListFilesRequest { PageSize = 3, PurposeValue = "user_data" });
        Assert.Equal(created.TakeLast(3).Reverse(), newestFirst.Files.Select(f => f.Id));

        var other = await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => files.ListFilesAsync(new ListFilesRequest
        {
            PageSize = 100, PageToken = pages[0].NextPageToken, Purpose = FilePurpose.UserData, Order = SortOrder.Desc,
        }).ResponseAsync);
        Assert.Equal("page_token", other.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations[0].Field);
        var forged = await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => files.ListFilesAsync(new ListFilesRequest { PageToken = "not-a-token" }).ResponseAsync);
        Assert.Equal("page_token", forged.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations[0].Field);
        var tooMany = await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => files.ListFilesAsync(new ListFilesRequest { PageSize = 10_001 }).ResponseAsync);
        Assert.Equal("page_size", tooMany.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations[0].Field);
    }
}
