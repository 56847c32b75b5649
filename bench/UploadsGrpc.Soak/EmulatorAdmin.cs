using System.Text.Json;

namespace UploadsGrpc.Soak;

/// <summary>The emulator's record of an upload (<c>GET /_admin/uploads/{id}</c>, outside /v1 and its faults).</summary>
internal sealed class EmulatorAdmin(HttpClient http)
{
    /// <summary>Null when the record agrees (completed, the size, the file); else what differs.</summary>
    public async Task<string?> CheckCompletedAsync(string uploadId, long bytes, string fileId)
    {
        try
        {
            using var response = await http.GetAsync(new Uri($"_admin/uploads/{Uri.EscapeDataString(uploadId)}", UriKind.Relative));
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                return $"GET /_admin/uploads/{uploadId}: HTTP {(int)response.StatusCode}";
            }
            using var record = JsonDocument.Parse(text);
            var root = record.RootElement;
            var status = root.GetProperty("status").GetString();
            var size = root.GetProperty("bytes").GetInt64();
            var file = root.TryGetProperty("file_id", out var value) ? value.GetString() : null;
            return status == "completed" && size == bytes && file == fileId
                ? null
                : $"the emulator has {uploadId} {status}, {size} bytes, file {file}; the stream said completed, {bytes} bytes, file {fileId}";
        }
        catch (Exception error) when (error is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException or TaskCanceledException)
        {
            return $"GET /_admin/uploads/{uploadId}: {error.Message}";
        }
    }
}
