using Grpc.Core;
using UploadsGrpc.Server.Protocol;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Uploads.UploadFile;

/// <summary>
/// Reads an UploadFile request stream, one message at a time, and says why reading stopped: no message for
/// Streaming:IdleTimeout while waiting for one (<see cref="StreamIdleException"/>), the client's stream breaking
/// off (<see cref="ClientStreamBrokenException"/>), or a compressed message of an encoding the server lacks
/// (UNIMPLEMENTED, UNSUPPORTED_ENCODING). The idle clock runs only while the session waits for the client, never
/// while the client waits for the session (all part slots busy), so flow control cannot make a stream idle.
/// </summary>
internal sealed class RequestReader(IAsyncStreamReader<UploadFileRequest> requests, TimeSpan idleTimeout, TimeProvider clock) : IDisposable
{
    // One timer for the whole stream, re-armed for each read: a chunk of 1 byte costs no new timer.
    private CancellationTokenSource _idle = new(Timeout.InfiniteTimeSpan, clock);

    public UploadFileRequest Current => requests.Current;

    public async Task<bool> MoveNextAsync(CancellationToken cancellation)
    {
        if (_idle.IsCancellationRequested)
        {
            // The timer fired just as the last read returned a message: that read was in time, so a fresh clock.
            _idle.Dispose();
            _idle = new(Timeout.InfiniteTimeSpan, clock);
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, _idle.Token);
        _idle.CancelAfter(idleTimeout);
        try
        {
            return await requests.MoveNext(linked.Token);
        }
        catch (OperationCanceledException) when (_idle.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            throw new StreamIdleException(idleTimeout);
        }
        catch (IOException ex)
        {
            throw new ClientStreamBrokenException(ex);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unimplemented && ex.Trailers.GetRpcStatus() is null)
        {
            // grpc-dotnet's own refusal of a compressed message whose grpc-encoding it has no provider for.
            throw ProtocolErrors.UnsupportedEncoding(ex.Status.Detail);
        }
        finally
        {
            _idle.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose() => _idle.Dispose();
}
