using System.Security.Cryptography;
using System.Text;

namespace UploadsGrpc.Server.Tls;

/// <summary>
/// One configured PEM file, read whole once, so what is parsed is exactly what was stamped. The bytes are cleared
/// on disposal, since a key file's content is the key.
/// </summary>
internal sealed class PemFile : IDisposable
{
    private readonly byte[] _content;

    private PemFile(string setting, string path, byte[] content, DateTime lastWriteUtc)
    {
        Setting = setting;
        Path = path;
        _content = content;
        Stamp = new FileStamp(lastWriteUtc, content.Length, Convert.ToHexString(SHA256.HashData(content)));
    }

    public string Setting { get; }

    public string Path { get; }

    public FileStamp Stamp { get; }

    /// <summary>Reads <paramref name="path"/>, following symbolic links as a Kubernetes Secret volume needs.</summary>
    public static PemFile Read(string setting, string path)
    {
        try
        {
            var lastWrite = File.GetLastWriteTimeUtc(path);
            return new PemFile(setting, path, File.ReadAllBytes(path), lastWrite);
        }
        catch (Exception failure) when (failure is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new TlsFileException(setting, path, "does not exist.");
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            throw new TlsFileException(setting, path, $"cannot be read ({failure.GetType().Name}).");
        }
    }

    /// <summary>The content as characters, for the PEM readers; the caller clears the array when done.</summary>
    public char[] Text() => Encoding.UTF8.GetChars(_content);

    public void Dispose() => CryptographicOperations.ZeroMemory(_content);
}
