using System.Buffers;
using Microsoft.Extensions.Options;
using UploadsGrpc.Emulator.Errors;
using UploadsGrpc.Emulator.Hosting;
using UploadsGrpc.Emulator.Json;

namespace UploadsGrpc.Emulator.Storage;

/// <summary>
/// Part and file bytes on disk, in one folder the emulator owns. Bytes are copied through a small pooled
/// buffer, so an 8 GiB upload costs the emulator disk, not memory.
/// </summary>
public sealed class BlobStore : IDisposable
{
    private const int BufferBytes = 128 * 1024;
    private readonly bool _ownsDirectory;

    public BlobStore(IOptions<EmulatorOptions> options)
    {
        _ownsDirectory = string.IsNullOrWhiteSpace(options.Value.DataDirectory);
        Directory = _ownsDirectory
            ? Path.Combine(Path.GetTempPath(), "uploadsgrpc-emulator-" + Guid.NewGuid().ToString("N"))
            : Path.GetFullPath(options.Value.DataDirectory!);
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    /// <summary>A new path for a blob named by an id the emulator made (ids never hold path characters).</summary>
    public string PathFor(string id) => Path.Combine(Directory, id);

    /// <summary>Copies <paramref name="source"/> to a new blob; more than <paramref name="limit"/> bytes is a 400 naming <paramref name="param"/>.</summary>
    public async Task<long> WriteAsync(Stream source, string path, long limit, string param, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        long total = 0;
        try
        {
            await using var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, BufferBytes), cancellationToken)) > 0)
            {
                total += read;
                if (total > limit)
                {
                    ApiErrors.ThrowBadRequest($"'{param}' is larger than the limit of {limit} bytes.", param);
                }
                await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
            return total;
        }
        catch
        {
            Delete(path);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferBytes, FileOptions.Asynchronous | FileOptions.SequentialScan);

    public static FileStream Create(string path) =>
        new(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferBytes, FileOptions.Asynchronous);

    public static bool Exists(string path) => File.Exists(path);

    public static void Delete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Already gone, or still open for a download; Linux removes it once closed.
        }
    }

    public StorageJson Usage()
    {
        var files = new DirectoryInfo(Directory).GetFiles();
        return new StorageJson(Directory, files.Length, files.Sum(f => f.Length));
    }

    public void Dispose()
    {
        if (_ownsDirectory)
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp folder left behind is harmless.
            }
        }
    }
}
