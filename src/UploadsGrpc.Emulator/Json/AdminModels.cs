using System.Text.Json.Serialization;

namespace UploadsGrpc.Emulator.Json;

/// <summary>What <c>GET /_admin/uploads/{id}</c> shows: the state the real API hides.</summary>
public sealed record AdminUploadJson(
    string Id,
    string Status,
    long Bytes,
    long ReceivedBytes,
    long CreatedAt,
    long ExpiresAt,
    string? FileId,
    IReadOnlyList<AdminPartJson> Parts);

/// <summary>A part the upload holds; <c>on_disk</c> says whether its bytes are still stored.</summary>
public sealed record AdminPartJson(string Id, long Bytes, long CreatedAt, bool OnDisk);

public sealed record ClockAdvanceJson(long Seconds);

public sealed record ClockJson(long Now);

/// <summary>What the emulator holds on disk: tests check that nothing is left behind.</summary>
public sealed record StorageJson(string Directory, int Files, long Bytes);

/// <summary>
/// What <c>GET /_admin/requests</c> shows: how many /v1 requests arrived, whatever their outcome, how many of
/// them their client aborted before the emulator had finished answering, and the latest ones, oldest first.
/// </summary>
public sealed record RequestsJson(long Total, long Aborted, IReadOnlyList<RecentRequestJson> Recent);

/// <summary>
/// One recent /v1 request: the project it was scoped to (the <c>OpenAI-Project</c> header, or the default
/// project), the lowercase hex SHA-256 of its bearer key, null without one, the HTTP status answered, null
/// while no answer has started (not yet, or never: a dropped connection, a client gone first), and the W3C
/// <c>traceparent</c> header it carried, so tests can prove a client's trace reached the upstream.
/// </summary>
public sealed record RecentRequestJson(
    string Method,
    string Path,
    string Project,
    [property: JsonPropertyName("key_sha256"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? KeySha256,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? Status = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Traceparent = null);

/// <summary>
/// What <c>GET /_admin/uploads?status=…</c> shows: the ids of the uploads in that status (all uploads without
/// one), oldest first, so a test proves no upload is left pending.
/// </summary>
public sealed record AdminUploadListJson(string? Status, int Count, IReadOnlyList<string> Ids);
