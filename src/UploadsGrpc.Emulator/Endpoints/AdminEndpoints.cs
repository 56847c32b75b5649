using Microsoft.AspNetCore.Mvc;
using UploadsGrpc.Emulator.Errors;
using UploadsGrpc.Emulator.Faults;
using UploadsGrpc.Emulator.Hosting;
using UploadsGrpc.Emulator.Json;
using UploadsGrpc.Emulator.State;
using UploadsGrpc.Emulator.Storage;

namespace UploadsGrpc.Emulator.Endpoints;

/// <summary>
/// The test surface outside /v1: what the real API hides (an upload's state, the disk), the clock, and faults.
/// No key is needed: the emulator listens on loopback for tests and local work.
/// </summary>
internal static class AdminEndpoints
{
    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/_admin");
        admin.MapGet("/uploads", ListUploadsAsync);
        admin.MapGet("/uploads/{upload_id}", async ([FromRoute(Name = "upload_id")] string uploadId, UploadStore uploads) =>
            Results.Json(ApiMapper.MapToAdmin(await uploads.GetAsync(uploadId)), EmulatorJson.Context.AdminUploadJson));
        admin.MapPost("/clock/advance", AdvanceClockAsync);
        admin.MapGet("/clock", (EmulatorClock clock) => Results.Json(new ClockJson(clock.UnixSeconds), EmulatorJson.Context.ClockJson));
        admin.MapGet("/faults", (FaultInjector faults) => Results.Json(faults.Current, EmulatorJson.Context.FaultPlan));
        admin.MapPost("/faults", ReplaceFaultsAsync);
        admin.MapDelete("/faults", (FaultInjector faults) =>
        {
            faults.Replace(new FaultPlan());
            return Results.Json(faults.Current, EmulatorJson.Context.FaultPlan);
        });
        admin.MapGet("/requests", (RequestLog log) => Results.Json(new RequestsJson(log.Total, log.Aborted, log.Recent()), EmulatorJson.Context.RequestsJson));
        admin.MapGet("/storage", (BlobStore blobs) => Results.Json(blobs.Usage(), EmulatorJson.Context.StorageJson));
        return app;
    }

    private static async Task<IResult> ListUploadsAsync([FromQuery(Name = "status")] string? status, UploadStore uploads)
    {
        if (status is not null && !UploadStatuses.All.Contains(status))
        {
            ApiErrors.ThrowBadRequest($"'status' must be one of: {string.Join(", ", UploadStatuses.All)}.", "status");
        }
        var ids = (await uploads.ListAsync(status)).Select(u => u.Id).ToList();
        return Results.Json(new AdminUploadListJson(status, ids.Count, ids), EmulatorJson.Context.AdminUploadListJson);
    }

    private static async Task<IResult> AdvanceClockAsync(HttpRequest request, EmulatorClock clock, UploadStore uploads, FileStore files)
    {
        var body = await ReadAsync(request, EmulatorJson.Context.ClockAdvanceJson);
        if (body.Seconds < 0)
        {
            ApiErrors.ThrowBadRequest("'seconds' must not be negative: the clock only moves forward.", "seconds");
        }
        clock.Advance(TimeSpan.FromSeconds(body.Seconds));
        // Expire what the jump passed over now, so its parts leave the disk at once.
        await uploads.SweepExpiredAsync();
        files.SweepExpired();
        return Results.Json(new ClockJson(clock.UnixSeconds), EmulatorJson.Context.ClockJson);
    }

    private static async Task<IResult> ReplaceFaultsAsync(HttpRequest request, FaultInjector faults)
    {
        faults.Replace(await ReadAsync(request, EmulatorJson.Context.FaultPlan));
        return Results.Json(faults.Current, EmulatorJson.Context.FaultPlan);
    }

    private static async Task<T> ReadAsync<T>(HttpRequest request, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        try
        {
            return await System.Text.Json.JsonSerializer.DeserializeAsync(request.Body, type, request.HttpContext.RequestAborted)
                ?? throw new System.Text.Json.JsonException("null body");
        }
        catch (System.Text.Json.JsonException error)
        {
            throw new ApiException(StatusCodes.Status400BadRequest, $"The admin request body is not valid: {error.Message}");
        }
    }
}
