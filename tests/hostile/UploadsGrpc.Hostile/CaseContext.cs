using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using UploadsGrpc.V1;

namespace UploadsGrpc.Hostile;

/// <summary>What a case works with: its tag, the server, the upstream, generated stubs and the raw channel.</summary>
internal sealed class CaseContext(string tag, ServerUnderTest server, HostileUpstream upstream, HostileUpstream elsewhere, GrpcChannel channel)
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    public string Tag { get; } = tag;
    public ServerUnderTest Server { get; } = server;
    public HostileUpstream Upstream { get; } = upstream;
    public HostileUpstream Elsewhere { get; } = elsewhere;
    public GrpcChannel Channel { get; } = channel;

    public string UploadId => "upload_" + Tag;
    public string FileId => "file_" + Tag;
    public string RequestId => "req_" + Tag;

    public UploadService.UploadServiceClient Uploads => new(Channel);
    public FileService.FileServiceClient Files => new(Channel);

    public static GrpcChannel NewChannel(Uri address) => GrpcChannel.ForAddress(address, new GrpcChannelOptions
    {
        MaxReceiveMessageSize = null,
        MaxSendMessageSize = null,
        HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
    });

    public void Script(Func<UpstreamExchange, Task> script) => Upstream.Script(Tag, script);

    /// <summary>The routes this case sends upstream answer as scripted; the others as a well-behaved upstream.</summary>
    public void On(string route, Func<UpstreamExchange, Task> script) =>
        Upstream.Script(Tag, e => e.Route == route ? script(e) : e.HappyAsync());

    public IReadOnlyList<UpstreamRequest> Requests(string? route = null) => [.. Upstream.For(Tag).Where(r => route is null || r.Route == route)];

    public CreateUploadRequest Create(long bytes = 8) => new()
    {
        Filename = $"f_{Tag}.jsonl",
        Purpose = FilePurpose.Batch,
        Bytes = bytes,
        MimeType = "application/jsonl",
    };

    public UploadFileMetadata Metadata(long bytes = 8, bool resumable = false) => new()
    {
        Filename = $"f_{Tag}.jsonl",
        Purpose = FilePurpose.Batch,
        Bytes = bytes,
        MimeType = "application/jsonl",
        Resumable = resumable,
        PartSize = 1024 * 1024,
        Parallelism = 1,
    };

    /// <summary>A unary call through the generated stub, bounded by the runner; a deadline when given.</summary>
    public async Task<Outcome> Unary<T>(Func<CallOptions, AsyncUnaryCall<T>> start, TimeSpan? deadline = null, TimeSpan? cancelAfter = null)
    {
        using var bound = new CancellationTokenSource(cancelAfter ?? Bound);
        var options = new CallOptions(deadline: deadline is { } d ? DateTime.UtcNow + d : null, cancellationToken: bound.Token);
        using var call = start(options);
        try
        {
            var response = await call.ResponseAsync;
            return Outcome.Ok(await call.ResponseHeadersAsync, call.GetTrailers(), response);
        }
        catch (RpcException ex)
        {
            return Outcome.FromRpc(ex, bound.IsCancellationRequested && cancelAfter is null ? $"no answer within {Bound.TotalSeconds:0} s" : null);
        }
    }

    /// <summary>UploadFile through the stub: writes the messages (pausing where a message is null), then completes or not.</summary>
    public async Task<Outcome> UploadFile(IEnumerable<UploadFileRequest?> messages, bool complete = true, TimeSpan? cancelAfter = null, TimeSpan? bound = null)
    {
        var limit = bound ?? Bound;
        using var runner = new CancellationTokenSource(cancelAfter ?? limit);
        using var call = Uploads.UploadFile(cancellationToken: runner.Token);
        var events = 0;
        var reader = Task.Run(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                events++;
            }
        });
        try
        {
            foreach (var message in messages)
            {
                if (message is null)
                {
                    await Task.WhenAny(reader, Task.Delay(500));
                    continue;
                }
                if (reader.IsCompleted)
                {
                    break;
                }
                await call.RequestStream.WriteAsync(message);
            }
            if (complete && !reader.IsCompleted)
            {
                await call.RequestStream.CompleteAsync();
            }
        }
        catch (Exception) when (reader.IsCompleted || runner.IsCancellationRequested)
        {
            // The server ended the call while we wrote: its status is what counts.
        }
        catch (RpcException)
        {
        }
        catch (InvalidOperationException)
        {
        }
        try
        {
            await reader;
            return new Outcome
            {
                Code = 0,
                Metadata = [.. Outcome.Entries(await call.ResponseHeadersAsync), .. Outcome.Entries(call.GetTrailers())],
                Messages = events,
            };
        }
        catch (RpcException ex)
        {
            var note = runner.IsCancellationRequested ? cancelAfter is null ? $"no answer within {limit.TotalSeconds:0} s" : "cancelled by the case" : null;
            var outcome = Outcome.FromRpc(ex, note);
            return new Outcome
            {
                Code = outcome.Code,
                Detail = outcome.Detail,
                Metadata = outcome.Metadata,
                Rich = outcome.Rich,
                RunnerNote = outcome.RunnerNote,
                Messages = events,
            };
        }
    }

    public static UploadFileRequest Meta(UploadFileMetadata metadata) => new() { Metadata = metadata };

    public static UploadFileRequest Chunk(int bytes, byte fill = (byte)'u') => new() { Chunk = ByteString.CopyFrom(Enumerable.Repeat(fill, bytes).ToArray()) };

    public static UploadFileRequest Chunk(byte[] bytes) => new() { Chunk = ByteString.CopyFrom(bytes) };

    /// <summary>A raw call of <paramref name="method"/> (e.g. "UploadService/CreateUpload") with a hand-made body.</summary>
    public Task<Outcome> Raw(string method, byte[] body, string? contentType = "application/grpc", IEnumerable<(string, string)>? headers = null, TimeSpan? bound = null, string httpMethod = "POST") =>
        RawGrpc.SendAsync(Server.Address, "/uploadsgrpc.v1." + method, body, contentType, headers, bound, httpMethod);

    public Task<Outcome> RawPath(string path, byte[] body, string? contentType = "application/grpc", IEnumerable<(string, string)>? headers = null, string httpMethod = "POST") =>
        RawGrpc.SendAsync(Server.Address, path, body, contentType, headers, null, httpMethod);

    /// <summary>DownloadFile through the stub: reads every message, bounded by the runner.</summary>
    public async Task<Outcome> Download(DownloadFileRequest request, TimeSpan? cancelAfter = null)
    {
        using var runner = new CancellationTokenSource(cancelAfter ?? Bound);
        using var call = Files.DownloadFile(request, cancellationToken: runner.Token);
        var messages = 0;
        try
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                messages++;
            }
            return Outcome.Ok(await call.ResponseHeadersAsync, call.GetTrailers(), null, messages);
        }
        catch (RpcException ex)
        {
            var outcome = Outcome.FromRpc(ex, runner.IsCancellationRequested ? cancelAfter is null ? $"no answer within {Bound.TotalSeconds:0} s" : "cancelled by the case" : null);
            return new Outcome { Code = outcome.Code, Detail = outcome.Detail, Metadata = outcome.Metadata, Rich = outcome.Rich, RunnerNote = outcome.RunnerNote, Messages = messages };
        }
    }

    /// <summary>CreateFile through the stub: writes the messages (pausing where one is null), completes, reads the answer.</summary>
    public async Task<Outcome> CreateFile(IEnumerable<CreateFileRequest?> messages, TimeSpan? cancelAfter = null)
    {
        using var runner = new CancellationTokenSource(cancelAfter ?? Bound);
        using var call = Files.CreateFile(cancellationToken: runner.Token);
        try
        {
            foreach (var message in messages)
            {
                if (message is null)
                {
                    await Task.WhenAny(call.ResponseAsync, Task.Delay(500));
                    continue;
                }
                if (call.ResponseAsync.IsCompleted)
                {
                    break;
                }
                await call.RequestStream.WriteAsync(message);
            }
            if (!call.ResponseAsync.IsCompleted)
            {
                await call.RequestStream.CompleteAsync();
            }
        }
        catch (Exception) when (call.ResponseAsync.IsCompleted || runner.IsCancellationRequested)
        {
        }
        catch (RpcException)
        {
        }
        try
        {
            var response = await call.ResponseAsync;
            return Outcome.Ok(await call.ResponseHeadersAsync, call.GetTrailers(), response);
        }
        catch (RpcException ex)
        {
            return Outcome.FromRpc(ex, runner.IsCancellationRequested ? cancelAfter is null ? $"no answer within {Bound.TotalSeconds:0} s" : "cancelled by the case" : null);
        }
    }

    public CreateFileMetadata FileMetadata(long bytes = 8) => new()
    {
        Filename = $"f_{Tag}.jsonl",
        Purpose = FilePurpose.Batch,
        Bytes = bytes,
        MimeType = "application/jsonl",
    };

    public static HttpStatusCode Status(int code) => (HttpStatusCode)code;
}
