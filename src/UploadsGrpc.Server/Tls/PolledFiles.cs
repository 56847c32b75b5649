namespace UploadsGrpc.Server.Tls;

/// <summary>
/// A set of files loaded together (a certificate and its key), read again on every poll. Polling rather than a
/// FileSystemWatcher: a Kubernetes Secret volume is updated by pointing its <c>..data</c> symbolic link at a new
/// directory, so the files a watcher watches are never written, and inotify on them reports nothing.
/// </summary>
internal sealed class PolledFiles(IReadOnlyList<(string Setting, string? Path)> files)
{
    private readonly Lock _lock = new();
    private FileStamp[]? _tried;
    private string? _reported;

    /// <summary>Loads the files at start; a failure is thrown, for the start to stop on.</summary>
    public T Load<T>(Func<IReadOnlyList<PemFile>, T> load)
    {
        lock (_lock)
        {
            var read = ReadAll();
            try
            {
                _tried = [.. read.Select(file => file.Stamp)];
                return load(read);
            }
            finally
            {
                DisposeAll(read);
            }
        }
    }

    /// <summary>
    /// Loads the files again when their content differs from the last one tried. Returns what <paramref name="load"/>
    /// made, or null when nothing changed or the load failed; <paramref name="failure"/> is set only the first time a
    /// failure is met, so a file that stays broken is reported once, and again only after a success in between.
    /// </summary>
    public T? Reload<T>(Func<IReadOnlyList<PemFile>, T> load, out TlsFileException? failure)
        where T : class
    {
        failure = null;
        lock (_lock)
        {
            IReadOnlyList<PemFile> read = [];
            try
            {
                read = ReadAll();
                var stamps = read.Select(file => file.Stamp).ToArray();
                if (_tried is not null && stamps.SequenceEqual(_tried))
                {
                    return null;
                }
                // A content that failed is not tried again until it changes.
                _tried = stamps;
                var loaded = load(read);
                _reported = null;
                return loaded;
            }
            catch (TlsFileException unusable)
            {
                failure = Report(unusable);
                return null;
            }
            // A reload must not end the poll's loop, which would stop the host: anything else counts as unusable too.
            catch (Exception unexpected)
            {
                var (setting, path) = files[0];
                failure = Report(new TlsFileException(setting, path ?? "", $"could not be loaded ({unexpected.GetType().Name})."));
                return null;
            }
            finally
            {
                DisposeAll(read);
            }
        }
    }

    private TlsFileException? Report(TlsFileException failure)
    {
        if (failure.Message == _reported)
        {
            return null;
        }
        _reported = failure.Message;
        return failure;
    }

    private List<PemFile> ReadAll()
    {
        var read = new List<PemFile>();
        try
        {
            foreach (var (setting, path) in files)
            {
                if (path is not null)
                {
                    read.Add(PemFile.Read(setting, path));
                }
            }
            return read;
        }
        catch
        {
            DisposeAll(read);
            throw;
        }
    }

    private static void DisposeAll(IEnumerable<PemFile> read)
    {
        foreach (var file in read)
        {
            file.Dispose();
        }
    }
}
