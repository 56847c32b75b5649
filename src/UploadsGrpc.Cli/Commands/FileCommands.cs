using System.CommandLine;
using System.Globalization;
using Grpc.Core;
using UploadsGrpc.V1;

namespace UploadsGrpc.Cli.Commands;

/// <summary><c>files list|get|download|delete</c>.</summary>
internal static class FileCommands
{
    public static Command Files() => new("files", "List, show, download and delete files.") { List(), Get(), Download(), Delete() };

    private static Command List()
    {
        var purpose = new Option<string?>("--purpose") { Description = "Only files with this purpose." };
        var pageSize = new Option<int>("--page-size") { Description = "Files per page (default 100, at most 10000)." };
        var all = new Option<bool>("--all") { Description = "Follow page tokens to the last page." };
        var command = new Command("list", "List files, oldest first: id, bytes, purpose, created (UTC), filename; tab-separated.") { purpose, pageSize, all };
        command.SetAction(async (parse, cancellation) =>
        {
            using var channel = Connection.Open(parse);
            var files = Connection.Files(channel);
            var request = new ListFilesRequest { PageSize = parse.GetValue(pageSize), PurposeValue = parse.GetValue(purpose) ?? "", Order = SortOrder.Asc };
            do
            {
                var page = await files.ListFilesAsync(request, cancellationToken: cancellation);
                foreach (var file in page.Files)
                {
                    Console.Out.WriteLine(string.Join('\t', file.Id, file.Bytes.ToString(CultureInfo.InvariantCulture), file.PurposeValue,
                        file.CreatedAt?.ToDateTimeOffset().ToString("u", CultureInfo.InvariantCulture) ?? "", file.Filename));
                }
                request.PageToken = page.NextPageToken;
            }
            while (parse.GetValue(all) && request.PageToken.Length > 0);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Get()
    {
        var id = new Argument<string>("file-id");
        var command = new Command("get", "Show a file's metadata, one field a line.") { id };
        command.SetAction(async (parse, cancellation) =>
        {
            using var channel = Connection.Open(parse);
            var file = (await Connection.Files(channel).GetFileAsync(new GetFileRequest { FileId = parse.GetValue(id)! }, cancellationToken: cancellation)).File;
            Console.Out.WriteLine($"id: {file.Id}");
            Console.Out.WriteLine($"filename: {file.Filename}");
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bytes: {file.Bytes}"));
            Console.Out.WriteLine($"purpose: {file.PurposeValue}");
            Console.Out.WriteLine($"created_at: {file.CreatedAt?.ToDateTimeOffset().ToString("u", CultureInfo.InvariantCulture)}");
            if (file.ExpiresAt is { } expires)
            {
                Console.Out.WriteLine($"expires_at: {expires.ToDateTimeOffset().ToString("u", CultureInfo.InvariantCulture)}");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Download()
    {
        var id = new Argument<string>("file-id");
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Where to write the file (default: its filename here). A shorter existing file is resumed." };
        var command = new Command("download", "Download a file's content; prints the path written.") { id, output };
        command.SetAction(async (parse, cancellation) =>
        {
            using var channel = Connection.Open(parse);
            var files = Connection.Files(channel);
            var fileId = parse.GetValue(id)!;
            var target = parse.GetValue(output);
            var offset = target is { Exists: true } ? target.Length : 0;
            using var call = files.DownloadFile(new DownloadFileRequest { FileId = fileId, ReadOffset = offset }, cancellationToken: cancellation);
            FileStream? stream = null;
            try
            {
                await foreach (var message in call.ResponseStream.ReadAllAsync(cancellation))
                {
                    if (message.PayloadCase == DownloadFileResponse.PayloadOneofCase.File)
                    {
                        target ??= new FileInfo(Path.GetFileName(message.File.Filename) is { Length: > 0 } name ? name : fileId);
                        stream = new FileStream(target.FullName, offset > 0 ? FileMode.Append : FileMode.Create, FileAccess.Write);
                    }
                    else if (stream is not null)
                    {
                        await stream.WriteAsync(message.Chunk.Memory, cancellation);
                    }
                }
            }
            finally
            {
                if (stream is not null)
                {
                    await stream.DisposeAsync();
                }
            }
            Console.Out.WriteLine(target!.FullName);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Delete()
    {
        var id = new Argument<string>("file-id");
        var command = new Command("delete", "Delete a file.") { id };
        command.SetAction(async (parse, cancellation) =>
        {
            using var channel = Connection.Open(parse);
            var deleted = await Connection.Files(channel).DeleteFileAsync(new DeleteFileRequest { FileId = parse.GetValue(id)! }, cancellationToken: cancellation);
            Console.Out.WriteLine($"{deleted.FileId} {(deleted.Deleted ? "deleted" : "not deleted")}");
            return ExitCodes.Success;
        });
        return command;
    }
}
