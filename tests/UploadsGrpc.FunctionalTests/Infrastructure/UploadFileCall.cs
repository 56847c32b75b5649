using Google.Protobuf;
using Grpc.Core;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>
/// A client's side of one UploadFile stream: it writes the metadata and chunks as the test decides and records
/// every event the server sends, so tests can act on them (cancel after half the bytes, break after 3 parts).
/// </summary>
public sealed class UploadFileCall : IDisposable
{
    private readonly AsyncDuplexStreamingCall<UploadFileRequest, UploadFileResponse> _call;
    private readonly List<UploadFileResponse> _events = [];
    private readonly Task _reading;

    public UploadFileCall(UploadService.UploadServiceClient client, DateTime? deadline = null, CancellationToken cancellation = default)
    {
        _call = client.UploadFile(deadline: deadline, cancellationToken: cancellation);
        _reading = ReadAsync();
    }

    public IReadOnlyList<UploadFileResponse> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public List<CommittedPart> Committed => [.. Events.Where(e => e.EventCase == UploadFileResponse.EventOneofCase.PartCommitted).Select(e => e.PartCommitted)];

    public UploadFileStarted? Started => Events.FirstOrDefault(e => e.EventCase == UploadFileResponse.EventOneofCase.Started)?.Started;

    public Task WriteMetadataAsync(UploadFileMetadata metadata) => _call.RequestStream.WriteAsync(new UploadFileRequest { Metadata = metadata });

    /// <summary>True once a write found the call already ended by the server; later writes are skipped.</summary>
    public bool EndedByServer { get; private set; }

    public async Task WriteChunkAsync(ReadOnlyMemory<byte> chunk)
    {
        if (EndedByServer)
        {
            return;
        }
        try
        {
            await _call.RequestStream.WriteAsync(new UploadFileRequest { Chunk = ByteString.CopyFrom(chunk.Span) });
        }
        catch (RpcException)
        {
            // The server ended the call (e.g. a part failed for good); its status is what _reading holds.
            EndedByServer = true;
        }
    }

    /// <summary>Writes <paramref name="data"/> in chunks of <paramref name="chunkSize"/> bytes.</summary>
    public async Task WriteAllAsync(ReadOnlyMemory<byte> data, int chunkSize = 64 * 1024)
    {
        for (var offset = 0; offset < data.Length; offset += chunkSize)
        {
            await WriteChunkAsync(data.Slice(offset, Math.Min(chunkSize, data.Length - offset)));
        }
    }

    /// <summary>Writes <paramref name="bytes"/> of <see cref="TestData"/> from <paramref name="offset"/>, generated as it goes.</summary>
    public async Task WriteGeneratedAsync(long offset, long bytes, int chunkSize = 64 * 1024)
    {
        var buffer = new byte[chunkSize];
        for (var position = offset; position < offset + bytes; position += chunkSize)
        {
            var length = (int)Math.Min(chunkSize, offset + bytes - position);
            TestData.Fill(buffer.AsSpan(0, length), position);
            await WriteChunkAsync(buffer.AsMemory(0, length));
        }
    }

    /// <summary>Half-closes and waits for the last event; throws the call's RpcException on failure.</summary>
    public async Task<UploadFileCompleted> FinishAsync()
    {
        await _call.RequestStream.CompleteAsync();
        await _reading;
        var last = Events[^1];
        Assert.Equal(UploadFileResponse.EventOneofCase.Completed, last.EventCase);
        return last.Completed;
    }

    /// <summary>Half-closes and returns how the call ended.</summary>
    public async Task<RpcException> FinishFailingAsync(StatusCode expected)
    {
        try
        {
            await _call.RequestStream.CompleteAsync();
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            // The server may have ended the call already.
        }
        var failure = await Assert.ThrowsAsync<RpcException>(() => _reading);
        Assert.True(expected == failure.StatusCode, $"Expected {expected}, got {failure.StatusCode}: {failure.Status.Detail}");
        return failure;
    }

    /// <summary>Keeps the request stream open and waits for the server to end the call; returns how it ended.</summary>
    public async Task<RpcException> EndedByServerAsync(StatusCode expected)
    {
        var failure = await Assert.ThrowsAsync<RpcException>(() => _reading.WaitAsync(TimeSpan.FromSeconds(120)));
        Assert.True(expected == failure.StatusCode, $"Expected {expected}, got {failure.StatusCode}: {failure.Status.Detail}");
        return failure;
    }

    /// <summary>Waits until the server sent an event matching <paramref name="condition"/>.</summary>
    public Task WaitForAsync(Func<IReadOnlyList<UploadFileResponse>, bool> condition) =>
        Poll.UntilAsync(() => condition(Events) || _reading.IsCompleted, TimeSpan.FromSeconds(60));

    private async Task ReadAsync()
    {
        await foreach (var message in _call.ResponseStream.ReadAllAsync())
        {
            lock (_events)
            {
                _events.Add(message);
            }
        }
    }

    public void Dispose() => _call.Dispose();
}
