using System.Globalization;
using System.Text.Json;

/// <summary>
/// The upstream of the limits suite: every Uploads call succeeds at once, a part's bytes are read and dropped, so
/// the façade's memory and not the upstream's speed or disk is what the suite measures. The objects have the real
/// API's shape (an Upload, an UploadPart, a completed Upload with its File).
/// </summary>
internal static class Sink
{
    public static async Task RunAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.ListenLocalhost(port);
        });
        var app = builder.Build();
        var next = 0L;
        app.MapPost("/v1/uploads", async context =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            var id = $"upload_{Interlocked.Increment(ref next)}";
            var bytes = body.RootElement.GetProperty("bytes").GetInt64();
            await Json(context, Upload(id, bytes, "pending", file: null));
        });
        app.MapPost("/v1/uploads/{id}/parts", async (HttpContext context, string id) =>
        {
            var drop = new byte[64 * 1024];
            while (await context.Request.Body.ReadAsync(drop) > 0)
            {
            }
            await Json(context, $$"""{"id":"part_{{Interlocked.Increment(ref next)}}","object":"upload.part","created_at":1719185911,"upload_id":"{{id}}"}""");
        });
        app.MapPost("/v1/uploads/{id}/complete", async (HttpContext context, string id) =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            var file = $$"""{"id":"file-{{id}}","object":"file","bytes":1,"created_at":1719186911,"filename":"limits.bin","purpose":"batch","status":"processed"}""";
            await Json(context, Upload(id, 1, "completed", file));
        });
        app.MapPost("/v1/uploads/{id}/cancel", (HttpContext context, string id) => Json(context, Upload(id, 1, "cancelled", file: null)));
        await app.RunAsync();
    }

    private static string Upload(string id, long bytes, string status, string? file) => string.Create(CultureInfo.InvariantCulture,
        $$"""{"id":"{{id}}","object":"upload","bytes":{{bytes}},"created_at":1719184911,"filename":"limits.bin","purpose":"batch","status":"{{status}}","expires_at":1719188511,"file":{{file ?? "null"}}}""");

    private static Task Json(HttpContext context, string body)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers["x-request-id"] = "req_limits";
        return context.Response.WriteAsync(body);
    }
}
