namespace UploadsGrpc.Server.Tls;

/// <summary>
/// A TLS file that cannot be used: missing, unreadable, or not what its setting asks for. The message names the
/// setting and the path and never quotes the file, which may hold a key.
/// </summary>
internal sealed class TlsFileException(string setting, string path, string problem) : Exception($"{setting} ({path}) {problem}")
{
    /// <summary>The setting at fault, such as <c>Tls:KeyPath</c>.</summary>
    public string Setting { get; } = setting;
}
