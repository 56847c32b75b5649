using UploadsGrpc.Emulator.Json;
using UploadsGrpc.Emulator.State;

namespace UploadsGrpc.Emulator.Endpoints;

/// <summary>From the emulator's records to the real API's JSON objects.</summary>
internal static class ApiMapper
{
    public static UploadJson MapToUpload(UploadRecord upload) =>
        new(upload.Id, upload.Bytes, upload.CreatedAt, upload.Filename, upload.Purpose, upload.Status, upload.ExpiresAt,
            upload.File is { } file ? MapToFile(file) : null);

    public static FileJson MapToFile(FileRecord file) =>
        new(file.Id, file.Purpose, file.Filename, file.Bytes, file.CreatedAt, file.ExpiresAt);

    public static UploadPartJson MapToPart(PartRecord part, string uploadId) => new(part.Id, part.CreatedAt, uploadId);

    public static AdminUploadJson MapToAdmin(UploadRecord upload) =>
        new(upload.Id, upload.Status, upload.Bytes, upload.Parts.Sum(p => p.Bytes), upload.CreatedAt, upload.ExpiresAt, upload.File?.Id,
            [.. upload.Parts.Select(p => new AdminPartJson(p.Id, p.Bytes, p.CreatedAt, Storage.BlobStore.Exists(p.Path)))]);
}
