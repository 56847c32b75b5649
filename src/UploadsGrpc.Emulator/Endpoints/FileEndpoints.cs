using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using UploadsGrpc.Emulator.Errors;
using UploadsGrpc.Emulator.Faults;
using UploadsGrpc.Emulator.Hosting;
using UploadsGrpc.Emulator.Json;
using UploadsGrpc.Emulator.State;
using UploadsGrpc.Emulator.Storage;

namespace UploadsGrpc.Emulator.Endpoints;

/// <summary>GET/POST /v1/files, GET/DELETE /v1/files/{id}, GET /v1/files/{id}/content.</summary>
internal static class FileEndpoints
{
    private const int MaxListLimit = 10_000;
    // Batch files expire after 30 days unless told otherwise, as upstream; other files stay until deleted.
    private const long BatchDefaultExpirySeconds = 30L * 24 * 3600;

    public static RouteGroupBuilder MapFileEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapGet("/files", List).WithName(Routes.ListFiles);
        v1.MapPost("/files", CreateAsync).WithName(Routes.CreateFile);
        v1.MapGet("/files/{file_id}", Get).WithName(Routes.GetFile);
        v1.MapDelete("/files/{file_id}", Delete).WithName(Routes.DeleteFile);
        v1.MapGet("/files/{file_id}/content", Content).WithName(Routes.FileContent);
        return v1;
    }

    private static IResult List(HttpRequest request, FileStore files)
    {
        var query = request.Query;
        var limit = MaxListLimit;
        if (query.TryGetValue("limit", out var limitText)
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxListLimit))
        {
            ApiErrors.ThrowBadRequest($"Invalid value for 'limit': '{limitText}'; it must be an integer from 1 to {MaxListLimit}.", "limit", "invalid_value");
        }
        var order = query.TryGetValue("order", out var orderText) ? orderText.ToString() : "desc";
        if (order is not ("asc" or "desc"))
        {
            ApiErrors.ThrowBadRequest($"Invalid value for 'order': '{order}'; it must be 'asc' or 'desc'.", "order", "invalid_value");
        }
        var purpose = query.TryGetValue("purpose", out var purposeText) && purposeText.ToString() is { Length: > 0 } p ? p : null;
        var after = query.TryGetValue("after", out var afterText) && afterText.ToString() is { Length: > 0 } a ? a : null;

        var (page, hasMore) = files.List(ProjectHeader.Of(request), purpose, limit, order == "asc", after);
        var data = page.Select(ApiMapper.MapToFile).ToList();
        return Results.Json(new FileListJson(data, hasMore, data.FirstOrDefault()?.Id, data.LastOrDefault()?.Id), EmulatorJson.Context.FileListJson);
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, FileStore files, BlobStore blobs, EmulatorClock clock, IOptions<EmulatorOptions> options)
    {
        var maxBytes = options.Value.MaxFileBytes;
        var cancellation = request.HttpContext.RequestAborted;
        var reader = Multipart.Open(request, maxBytes + 1024 * 1024);
        var id = Ids.File();
        var path = blobs.PathFor(id);
        (string Name, long Bytes)? file = null;
        string? purpose = null, anchor = null, secondsText = null;
        try
        {
            while (await reader.ReadNextSectionAsync(cancellation) is { } section)
            {
                var (name, fileName) = Multipart.Describe(section);
                switch (name)
                {
                    case "file" when file is null:
                        var bytes = await blobs.WriteAsync(section.Body, path, maxBytes, "file", cancellation);
                        file = (fileName ?? "file", bytes);
                        break;
                    case "purpose" when purpose is null:
                        purpose = await Multipart.ReadFieldAsync(section, name, cancellation);
                        break;
                    case "expires_after[anchor]" when anchor is null:
                        anchor = await Multipart.ReadFieldAsync(section, name, cancellation);
                        break;
                    case "expires_after[seconds]" when secondsText is null:
                        secondsText = await Multipart.ReadFieldAsync(section, name, cancellation);
                        break;
                    case "file" or "purpose" or "expires_after[anchor]" or "expires_after[seconds]":
                        ApiErrors.ThrowBadRequest($"'{name}' is given more than once.", name);
                        break;
                    default:
                        ApiErrors.ThrowBadRequest($"Unrecognized request argument supplied: {name}", name, "unknown_parameter");
                        break;
                }
            }
            if (file is not { } stored)
            {
                throw JsonBody.Missing("file");
            }
            if (purpose is null)
            {
                throw JsonBody.Missing("purpose");
            }
            Purposes.Check(purpose);
            long? expiresAfter = null;
            if (anchor is not null || secondsText is not null)
            {
                long? seconds = secondsText is null ? null
                    : long.TryParse(secondsText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) ? parsed
                    : throw JsonBody.InvalidType("expires_after.seconds", "an integer");
                expiresAfter = ExpiresAfter.Check(anchor, seconds);
            }
            else if (purpose == "batch")
            {
                expiresAfter = BatchDefaultExpirySeconds;
            }
            var now = clock.UnixSeconds;
            var record = files.Add(id, ProjectHeader.Of(request), stored.Name, purpose, stored.Bytes, now, now + expiresAfter, path);
            return Results.Json(ApiMapper.MapToFile(record), EmulatorJson.Context.FileJson);
        }
        catch
        {
            BlobStore.Delete(path);
            throw;
        }
    }

    private static IResult Get([FromRoute(Name = "file_id")] string fileId, HttpRequest request, FileStore files) =>
        Results.Json(ApiMapper.MapToFile(files.Get(fileId, ProjectHeader.Of(request))), EmulatorJson.Context.FileJson);

    private static IResult Delete([FromRoute(Name = "file_id")] string fileId, HttpRequest request, FileStore files) =>
        Results.Json(new DeletedFileJson(true, files.Delete(fileId, ProjectHeader.Of(request)).Id), EmulatorJson.Context.DeletedFileJson);

    /// <summary>The bytes as stored, whatever the Accept header asks for (the SDKs send application/json, application/binary or text/plain).</summary>
    private static IResult Content([FromRoute(Name = "file_id")] string fileId, HttpRequest request, FileStore files)
    {
        var file = files.Get(fileId, ProjectHeader.Of(request));
        try
        {
            return Results.Stream(BlobStore.OpenRead(file.Path), "application/octet-stream");
        }
        catch (FileNotFoundException)
        {
            // Deleted between the lookup and the open.
            ApiErrors.ThrowNoSuchFile(fileId);
            return null;
        }
    }
}
