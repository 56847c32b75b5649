using System.Collections.Concurrent;
using UploadsGrpc.Emulator.Errors;
using UploadsGrpc.Emulator.Hosting;
using UploadsGrpc.Emulator.Storage;

namespace UploadsGrpc.Emulator.State;

/// <summary>Stored files, listed newest first by default in a stable order (created_at, then creation sequence).</summary>
public sealed class FileStore(EmulatorClock clock)
{
    private readonly ConcurrentDictionary<string, FileRecord> _files = new(StringComparer.Ordinal);
    // Every id ever listed keeps its place, so a cursor still works after its file was deleted.
    private readonly ConcurrentDictionary<string, (long CreatedAt, long Sequence)> _positions = new(StringComparer.Ordinal);
    private long _sequence;

    internal FileRecord Add(string id, string project, string filename, string purpose, long bytes, long createdAt, long? expiresAt, string path)
    {
        var record = new FileRecord(id, project, filename, purpose, bytes, createdAt, expiresAt, path, Interlocked.Increment(ref _sequence));
        _positions[id] = (createdAt, record.Sequence);
        _files[id] = record;
        return record;
    }

    /// <summary>The file, if it exists in <paramref name="project"/>: another project's file is not found, as upstream.</summary>
    internal FileRecord Get(string id, string project)
    {
        if (!_files.TryGetValue(id, out var file) || file.Project != project || RemoveIfExpired(file))
        {
            ApiErrors.ThrowNoSuchFile(id);
        }
        return file;
    }

    internal FileRecord Delete(string id, string project)
    {
        var file = Get(id, project);
        if (!_files.TryRemove(id, out _))
        {
            ApiErrors.ThrowNoSuchFile(id);
        }
        BlobStore.Delete(file.Path);
        return file;
    }

    internal (IReadOnlyList<FileRecord> Page, bool HasMore) List(string project, string? purpose, int limit, bool ascending, string? after)
    {
        (long CreatedAt, long Sequence)? cursor = null;
        if (after is not null)
        {
            if (!_positions.TryGetValue(after, out var position))
            {
                ApiErrors.ThrowBadRequest($"No such File object: {after}", "after");
            }
            cursor = position;
        }
        var now = clock.UnixSeconds;
        var query = _files.Values.Where(f => f.Project == project && !f.IsExpired(now) && (purpose is null || f.Purpose == purpose));
        if (cursor is { } c)
        {
            query = ascending
                ? query.Where(f => (f.CreatedAt, f.Sequence).CompareTo(c) > 0)
                : query.Where(f => (f.CreatedAt, f.Sequence).CompareTo(c) < 0);
        }
        var ordered = ascending
            ? query.OrderBy(f => f.CreatedAt).ThenBy(f => f.Sequence)
            : query.OrderByDescending(f => f.CreatedAt).ThenByDescending(f => f.Sequence);
        var page = ordered.Take(limit + 1).ToList();
        var hasMore = page.Count > limit;
        if (hasMore)
        {
            page.RemoveAt(limit);
        }
        return (page, hasMore);
    }

    internal void SweepExpired()
    {
        foreach (var file in _files.Values)
        {
            RemoveIfExpired(file);
        }
    }

    private bool RemoveIfExpired(FileRecord file)
    {
        if (!file.IsExpired(clock.UnixSeconds))
        {
            return false;
        }
        if (_files.TryRemove(file.Id, out _))
        {
            BlobStore.Delete(file.Path);
        }
        return true;
    }
}
