namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// One operation of the upstream API: its name in logs, its HTTP method and its path template. Telemetry names a
/// request by the template (<c>POST /uploads/{upload_id}/parts</c>), never by its path, which holds an id: a span
/// name or a metric label with an id in it would make every request a series of its own.
/// </summary>
internal sealed record UpstreamRoute(string Operation, HttpMethod Method, string Template)
{
    public static readonly UpstreamRoute CreateUpload = new("CreateUpload", HttpMethod.Post, "/uploads");
    public static readonly UpstreamRoute AddUploadPart = new("AddUploadPart", HttpMethod.Post, "/uploads/{upload_id}/parts");
    public static readonly UpstreamRoute CompleteUpload = new("CompleteUpload", HttpMethod.Post, "/uploads/{upload_id}/complete");
    public static readonly UpstreamRoute CancelUpload = new("CancelUpload", HttpMethod.Post, "/uploads/{upload_id}/cancel");
    public static readonly UpstreamRoute CreateFile = new("CreateFile", HttpMethod.Post, "/files");
    public static readonly UpstreamRoute GetFile = new("GetFile", HttpMethod.Get, "/files/{file_id}");
    public static readonly UpstreamRoute ListFiles = new("ListFiles", HttpMethod.Get, "/files");
    public static readonly UpstreamRoute DeleteFile = new("DeleteFile", HttpMethod.Delete, "/files/{file_id}");
    public static readonly UpstreamRoute DownloadFile = new("DownloadFile", HttpMethod.Get, "/files/{file_id}/content");
}
