namespace UploadsGrpc.Cli;

/// <summary>A MIME type from a file name's extension, for the types the upstream's purposes take.</summary>
internal static class MimeTypes
{
    public static string Guess(string fileName) => Path.GetExtension(fileName).ToLowerInvariant() switch
    {
        ".jsonl" => "application/jsonl",
        ".json" => "application/json",
        ".txt" => "text/plain",
        ".md" => "text/markdown",
        ".csv" => "text/csv",
        ".pdf" => "application/pdf",
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".gif" => "image/gif",
        ".webp" => "image/webp",
        _ => "application/octet-stream",
    };
}
