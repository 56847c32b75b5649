using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using UploadsGrpc.Emulator.Errors;
using UploadsGrpc.Emulator.Hosting;
using UploadsGrpc.Emulator.Storage;

namespace UploadsGrpc.Emulator.State;

/// <summary>
/// The upload state machine: pending → completed | cancelled | expired. Each transition holds the upload's
/// gate; part bytes are written to disk outside it, so parts of one upload arrive in parallel.
/// </summary>
public sealed class UploadStore(EmulatorClock clock, BlobStore blobs, FileStore files, IOptions<EmulatorOptions> options)
{
    private readonly ConcurrentDictionary<string, UploadRecord> _uploads = new(StringComparer.Ordinal);
    // Which upload a part id was given to, to tell "another upload's part" from "no such part".
    private readonly ConcurrentDictionary<string, string> _partOwners = new(StringComparer.Ordinal);
    private long _created;

    internal UploadRecord Create(string project, string filename, string purpose, long bytes, string mimeType, long? fileExpiresAfterSeconds)
    {
        var now = clock.UnixSeconds;
        var upload = new UploadRecord(Ids.Upload(), project, filename, purpose, bytes, mimeType, now,
            now + (long)options.Value.UploadLifetime.TotalSeconds, fileExpiresAfterSeconds)
        {
            Sequence = Interlocked.Increment(ref _created),
        };
        _uploads[upload.Id] = upload;
        return upload;
    }

    /// <summary>
    /// Streams a part to disk through <paramref name="write"/> (given the blob's path, it returns the byte
    /// count), then adds it if the upload is still pending; otherwise the bytes are deleted again.
    /// </summary>
    internal async Task<PartRecord> AddPartAsync(string uploadId, string project, Func<string, Task<long>> write, CancellationToken cancellationToken)
    {
        var upload = Find(uploadId, project);
        // Refuse early, before the bytes are read, when the upload cannot take a part anyway.
        await WithGateAsync(upload, () =>
        {
            EnsurePending(upload, "add a Part to");
            return true;
        }, cancellationToken);

        var part = Ids.Part();
        var path = blobs.PathFor(part);
        try
        {
            var bytes = await write(path);
            return await WithGateAsync(upload, () =>
            {
                EnsurePending(upload, "add a Part to");
                var record = new PartRecord(part, bytes, clock.UnixSeconds, path);
                upload.Parts.Add(record);
                _partOwners[part] = upload.Id;
                return record;
            }, CancellationToken.None);
        }
        catch
        {
            BlobStore.Delete(path);
            throw;
        }
    }

    internal Task<UploadRecord> CompleteAsync(string uploadId, string project, IReadOnlyList<string> partIds, string? md5) =>
        // Not cancellable: once the client has asked, the upload completes or fails as a whole, as upstream.
        WithGateAsync(Find(uploadId, project), upload => CompleteLockedAsync(upload, partIds, md5), CancellationToken.None);

    internal Task<UploadRecord> CancelAsync(string uploadId, string project) =>
        WithGateAsync(Find(uploadId, project), upload =>
        {
            EnsurePending(upload, "cancel");
            upload.Status = UploadStatuses.Cancelled;
            DeleteParts(upload);
            return Task.FromResult(upload);
        }, CancellationToken.None);

    /// <summary>The upload as it is now (expired if its hour has passed), for the admin surface.</summary>
    internal Task<UploadRecord> GetAsync(string uploadId) =>
        WithGateAsync(Find(uploadId, project: null), Task.FromResult, CancellationToken.None);

    /// <summary>
    /// The uploads in <paramref name="status"/> (all of them when null) as they are now, an upload whose hour has
    /// passed counting as expired, oldest first.
    /// </summary>
    internal async Task<IReadOnlyList<UploadRecord>> ListAsync(string? status)
    {
        var found = new List<UploadRecord>();
        foreach (var upload in _uploads.Values)
        {
            var now = await WithGateAsync(upload, () => upload.Status, CancellationToken.None);
            if (status is null || now == status)
            {
                found.Add(upload);
            }
        }
        return [.. found.OrderBy(u => u.Sequence)];
    }

    internal async Task SweepExpiredAsync()
    {
        foreach (var upload in _uploads.Values)
        {
            await WithGateAsync(upload, Task.FromResult, CancellationToken.None);
        }
    }

    private async Task<UploadRecord> CompleteLockedAsync(UploadRecord upload, IReadOnlyList<string> partIds, string? md5)
    {
        EnsurePending(upload, "complete");
        var listed = new List<PartRecord>(partIds.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in partIds)
        {
            if (!seen.Add(id))
            {
                ApiErrors.ThrowBadRequest($"Part {id} is listed more than once in 'part_ids'.", "part_ids");
            }
            var part = upload.Parts.Find(p => p.Id == id);
            if (part is null)
            {
                // Another project's part is no part at all: its upload's id must not leak across projects.
                if (_partOwners.TryGetValue(id, out var owner) && _uploads.TryGetValue(owner, out var ownerUpload) && ownerUpload.Project == upload.Project)
                {
                    ApiErrors.ThrowBadRequest($"Part {id} belongs to Upload {owner}, not to Upload {upload.Id}.", "part_ids");
                }
                ApiErrors.ThrowBadRequest($"No such Part object: {id}", "part_ids");
            }
            listed.Add(part);
        }
        var total = listed.Sum(p => p.Bytes);
        if (total != upload.Bytes)
        {
            ApiErrors.ThrowBadRequest(
                $"The parts listed in 'part_ids' hold {total} bytes, but the Upload was created with {upload.Bytes} bytes.", "part_ids");
        }

        var fileId = Ids.File();
        var path = blobs.PathFor(fileId);
        var actualMd5 = await ConcatenateAsync(listed, path);
        if (md5 is not null && !string.Equals(md5, actualMd5, StringComparison.OrdinalIgnoreCase))
        {
            BlobStore.Delete(path);
            ApiErrors.ThrowBadRequest($"The md5 checksum '{md5}' does not match the uploaded content ({actualMd5}).", "md5");
        }

        // The File carries the upload's created_at, as the real API's completed uploads do.
        var expiresAt = upload.FileExpiresAfterSeconds is { } seconds ? upload.CreatedAt + seconds : (long?)null;
        upload.File = files.Add(fileId, upload.Project, upload.Filename, upload.Purpose, upload.Bytes, upload.CreatedAt, expiresAt, path);
        upload.Status = UploadStatuses.Completed;
        // Listed parts now live in the file; parts not listed are discarded, as upstream.
        DeleteParts(upload);
        return upload;
    }

    /// <summary>Writes the parts in order to a new blob, hashing on the way, and returns the MD5 as lower-case hex.</summary>
    private static async Task<string> ConcatenateAsync(IReadOnlyList<PartRecord> parts, string path)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = ArrayPool<byte>.Shared.Rent(128 * 1024);
        try
        {
            await using var target = BlobStore.Create(path);
            foreach (var part in parts)
            {
                await using var source = BlobStore.OpenRead(part.Path);
                int read;
                while ((read = await source.ReadAsync(buffer)) > 0)
                {
                    md5.AppendData(buffer, 0, read);
                    await target.WriteAsync(buffer.AsMemory(0, read));
                }
            }
        }
        catch
        {
            BlobStore.Delete(path);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return Convert.ToHexStringLower(md5.GetHashAndReset());
    }

    /// <summary>The upload, if it exists in <paramref name="project"/> (any project for the admin routes).</summary>
    private UploadRecord Find(string uploadId, string? project)
    {
        if (!_uploads.TryGetValue(uploadId, out var upload) || (project is not null && upload.Project != project))
        {
            ApiErrors.ThrowNoSuchUpload(uploadId);
        }
        return upload;
    }

    private Task<T> WithGateAsync<T>(UploadRecord upload, Func<T> action, CancellationToken cancellationToken) =>
        WithGateAsync(upload, _ => Task.FromResult(action()), cancellationToken);

    /// <summary>Runs <paramref name="action"/> holding the upload's gate, after expiring the upload if its time has come.</summary>
    private async Task<T> WithGateAsync<T>(UploadRecord upload, Func<UploadRecord, Task<T>> action, CancellationToken cancellationToken)
    {
        await upload.Gate.WaitAsync(cancellationToken);
        try
        {
            if (upload.Status == UploadStatuses.Pending && clock.UnixSeconds >= upload.ExpiresAt)
            {
                upload.Status = UploadStatuses.Expired;
                DeleteParts(upload);
            }
            return await action(upload);
        }
        finally
        {
            upload.Gate.Release();
        }
    }

    private static void EnsurePending(UploadRecord upload, string action)
    {
        if (upload.Status != UploadStatuses.Pending)
        {
            ApiErrors.ThrowNotPending(upload.Id, upload.Status, action);
        }
    }

    private static void DeleteParts(UploadRecord upload)
    {
        foreach (var part in upload.Parts)
        {
            BlobStore.Delete(part.Path);
        }
    }
}
