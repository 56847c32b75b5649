using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using UploadsGrpc.Emulator.Errors;
using UploadsGrpc.Emulator.Faults;
using UploadsGrpc.Emulator.Hosting;
using UploadsGrpc.Emulator.Json;
using UploadsGrpc.Emulator.State;
using UploadsGrpc.Emulator.Storage;

namespace UploadsGrpc.Emulator.Endpoints;

/// <summary>POST /v1/uploads, /parts, /complete and /cancel.</summary>
internal static class UploadEndpoints
{
    private static readonly string[] CreateArguments = ["filename", "purpose", "bytes", "mime_type", "expires_after"];
    private static readonly string[] CompleteArguments = ["part_ids", "md5"];

    public static RouteGroupBuilder MapUploadEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapPost("/uploads", CreateAsync).WithName(Routes.CreateUpload);
        v1.MapPost("/uploads/{upload_id}/parts", AddPartAsync).WithName(Routes.AddPart);
        v1.MapPost("/uploads/{upload_id}/complete", CompleteAsync).WithName(Routes.CompleteUpload);
        v1.MapPost("/uploads/{upload_id}/cancel", CancelAsync).WithName(Routes.CancelUpload);
        return v1;
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, UploadStore uploads, IOptions<EmulatorOptions> options)
    {
        using var body = await JsonBody.ReadAsync(request, CreateArguments);
        var filename = body.RequiredString("filename");
        var purpose = body.RequiredString("purpose");
        Purposes.Check(purpose);
        var bytes = JsonBody.OptionalInt64(body.Root, "bytes", "bytes") ?? throw JsonBody.Missing("bytes");
        var maxBytes = options.Value.MaxUploadBytes;
        if (bytes < 1 || bytes > maxBytes)
        {
            ApiErrors.ThrowBadRequest($"Invalid value for 'bytes': {bytes}; an Upload holds 1 to {maxBytes} bytes.", "bytes", "invalid_value");
        }
        var mimeType = body.RequiredString("mime_type");
        long? fileExpiresAfter = null;
        if (JsonBody.Get(body.Root, "expires_after") is { } expires)
        {
            if (expires.ValueKind != System.Text.Json.JsonValueKind.Object)
            {
                throw JsonBody.InvalidType("expires_after", "an object");
            }
            fileExpiresAfter = ExpiresAfter.Check(
                JsonBody.OptionalString(expires, "anchor", "expires_after.anchor"),
                JsonBody.OptionalInt64(expires, "seconds", "expires_after.seconds"));
        }
        var upload = uploads.Create(ProjectHeader.Of(request), filename, purpose, bytes, mimeType, fileExpiresAfter);
        return Results.Json(ApiMapper.MapToUpload(upload), EmulatorJson.Context.UploadJson);
    }

    private static async Task<IResult> AddPartAsync([FromRoute(Name = "upload_id")] string uploadId, HttpRequest request, UploadStore uploads, BlobStore blobs, IOptions<EmulatorOptions> options)
    {
        var maxPart = options.Value.MaxPartBytes;
        var cancellation = request.HttpContext.RequestAborted;
        var part = await uploads.AddPartAsync(uploadId, ProjectHeader.Of(request), async path =>
        {
            var reader = Multipart.Open(request, maxPart + 1024 * 1024);
            long? bytes = null;
            while (await reader.ReadNextSectionAsync(cancellation) is { } section)
            {
                var (name, _) = Multipart.Describe(section);
                if (name != "data")
                {
                    ApiErrors.ThrowBadRequest($"Unrecognized request argument supplied: {name}", name, "unknown_parameter");
                }
                if (bytes is not null)
                {
                    ApiErrors.ThrowBadRequest("'data' is given more than once.", "data");
                }
                bytes = await blobs.WriteAsync(section.Body, path, maxPart, "data", cancellation);
            }
            if (bytes is not > 0)
            {
                BlobStore.Delete(path);
                throw bytes is null ? JsonBody.Missing("data") : new ApiException(StatusCodes.Status400BadRequest, "'data' is empty; a Part holds at least 1 byte.", ApiErrors.InvalidRequest, "data");
            }
            return bytes.Value;
        }, cancellation);
        return Results.Json(ApiMapper.MapToPart(part, uploadId), EmulatorJson.Context.UploadPartJson);
    }

    private static async Task<IResult> CompleteAsync([FromRoute(Name = "upload_id")] string uploadId, HttpRequest request, UploadStore uploads)
    {
        List<string> partIds = [];
        string? md5;
        using (var body = await JsonBody.ReadAsync(request, CompleteArguments))
        {
            if (JsonBody.Get(body.Root, "part_ids") is not { } list)
            {
                throw JsonBody.Missing("part_ids");
            }
            if (list.ValueKind != System.Text.Json.JsonValueKind.Array)
            {
                throw JsonBody.InvalidType("part_ids", "an array of strings");
            }
            foreach (var item in list.EnumerateArray())
            {
                partIds.Add(item.ValueKind == System.Text.Json.JsonValueKind.String ? item.GetString()! : throw JsonBody.InvalidType("part_ids", "an array of strings"));
            }
            md5 = body.OptionalString("md5") is { Length: > 0 } given ? given : null;
        }
        if (partIds.Count == 0)
        {
            ApiErrors.ThrowBadRequest("'part_ids' is empty; list the Parts in file order.", "part_ids");
        }
        var upload = await uploads.CompleteAsync(uploadId, ProjectHeader.Of(request), partIds, md5);
        return Results.Json(ApiMapper.MapToUpload(upload), EmulatorJson.Context.UploadJson);
    }

    private static async Task<IResult> CancelAsync([FromRoute(Name = "upload_id")] string uploadId, HttpRequest request, UploadStore uploads)
    {
        var upload = await uploads.CancelAsync(uploadId, ProjectHeader.Of(request));
        return Results.Json(ApiMapper.MapToUpload(upload), EmulatorJson.Context.UploadJson);
    }
}
