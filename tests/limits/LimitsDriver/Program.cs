// The limits suite's driver (tests/limits/run.sh runs it). One subcommand each:
//   sink PORT                         an upstream that answers every Uploads call and discards the parts' bytes
//   wait ADDR SECONDS                 exits 0 once a CancelUpload through the server succeeds
//   streams ADDR N FILE_MIB CHUNK_KIB N UploadFile streams at once; JSON counts of how each ended
//   parts ADDR N PART_MIB             N AddUploadPart calls of PART_MIB at once; JSON counts
//   sequential ADDR N MIN_MIB MAX_MIB SEED SECONDS   N UploadFile calls one after another, sizes uniform in
//                                     [MIN, MAX] MiB; none is started after SECONDS (0: no cap), "done" says how many ran,
//                                     in 4 MiB chunks (the largest the server takes by default)
// A call counts as "ok", "exhausted" (RESOURCE_EXHAUSTED with an ErrorInfo and a RetryInfo), or "other" (anything
// else, with its status, reason and detail kept). Every loop is bounded by its count; every call has a deadline.
using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using UploadsGrpc.V1;

const int MiB = 1024 * 1024;
var invariant = CultureInfo.InvariantCulture;
var command = args.Length > 0 ? args[0] : "";
switch (command)
{
    case "sink":
        await Sink.RunAsync(int.Parse(args[1], invariant));
        return 0;
    case "wait":
        {
            using var channel = Open(args[1]);
            var client = new UploadService.UploadServiceClient(channel);
            var until = DateTime.UtcNow.AddSeconds(int.Parse(args[2], invariant));
            while (DateTime.UtcNow < until)
            {
                try
                {
                    await client.CancelUploadAsync(new CancelUploadRequest { UploadId = "upload_wait" }, deadline: DateTime.UtcNow.AddSeconds(2));
                    return 0;
                }
                catch (RpcException)
                {
                    await Task.Delay(200);
                }
            }
            return 1;
        }
    case "streams":
        {
            using var channel = Open(args[1]);
            var client = new UploadService.UploadServiceClient(channel);
            var fileBytes = long.Parse(args[3], invariant) * MiB;
            // One chunk for every stream. Filling one per stream, all at once, kept this process's threads busy
            // for seconds on a two-core machine: its HTTP/2 connection then read the server's resets late and sent
            // frames on streams reset more than 5 s before, for which Kestrel closes the whole connection.
            var chunk = UnsafeByteOperations.UnsafeWrap(Filled(int.Parse(args[4], invariant) * 1024));
            var tally = new Tally();
            await Task.WhenAll(Enumerable.Range(0, int.Parse(args[2], invariant)).Select(i => tally.RunAsync(() => UploadAsync(client, fileBytes, chunk, i))));
            Console.WriteLine(tally.ToJson());
            return 0;
        }
    case "parts":
        {
            using var channel = Open(args[1]);
            var client = new UploadService.UploadServiceClient(channel);
            var data = UnsafeByteOperations.UnsafeWrap(Filled(int.Parse(args[3], invariant) * MiB));
            var tally = new Tally();
            await Task.WhenAll(Enumerable.Range(0, int.Parse(args[2], invariant)).Select(i => tally.RunAsync(async () =>
                await client.AddUploadPartAsync(new AddUploadPartRequest { UploadId = $"upload_part{i}", Data = data }, deadline: DateTime.UtcNow.AddMinutes(2)))));
            Console.WriteLine(tally.ToJson());
            return 0;
        }
    case "sequential":
        {
            using var channel = Open(args[1]);
            var client = new UploadService.UploadServiceClient(channel);
            var count = int.Parse(args[2], invariant);
            var (min, max) = (long.Parse(args[3], invariant) * MiB, long.Parse(args[4], invariant) * MiB);
            var random = new Random(int.Parse(args[5], invariant));
            var chunk = UnsafeByteOperations.UnsafeWrap(Filled(4 * MiB));
            var tally = new Tally();
            long total = 0;
            var started = System.Diagnostics.Stopwatch.StartNew();
            var cap = TimeSpan.FromSeconds(int.Parse(args[6], invariant));
            var done = 0;
            for (var i = 0; i < count && (cap == TimeSpan.Zero || started.Elapsed < cap); i++, done++)
            {
                var bytes = random.NextInt64(min, max + 1);
                total += bytes;
                await tally.RunAsync(() => UploadAsync(client, bytes, chunk, i));
            }
            Console.WriteLine(tally.ToJson(("done", done), ("bytes", total), ("seconds", (long)started.Elapsed.TotalSeconds)));
            return 0;
        }
    default:
        Console.Error.WriteLine("usage: LimitsDriver sink PORT | streams ADDR N FILE_MIB CHUNK_KIB | parts ADDR N PART_MIB | sequential ADDR N MIN_MIB MAX_MIB SEED SECONDS");
        return 2;
}

static GrpcChannel Open(string address) => GrpcChannel.ForAddress(address, new GrpcChannelOptions
{
    MaxSendMessageSize = null,
    MaxReceiveMessageSize = null,
    // Many streams at once: more connections rather than queueing behind one connection's stream limit.
    HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
});

static byte[] Filled(int length)
{
    var data = GC.AllocateUninitializedArray<byte>(length);
    new Random(1).NextBytes(data);
    return data;
}

// One file of `bytes`, sent as `chunk` over and over (the last one cut short); the server's MD5 is not checked
// here (the functional tests do that), only how the call ended.
static async Task UploadAsync(UploadService.UploadServiceClient client, long bytes, ByteString chunk, int index)
{
    using var call = client.UploadFile(deadline: DateTime.UtcNow.AddMinutes(3));
    var reading = Task.Run(async () =>
    {
        await foreach (var _ in call.ResponseStream.ReadAllAsync())
        {
        }
    });
    try
    {
        await call.RequestStream.WriteAsync(new UploadFileRequest
        {
            Metadata = new UploadFileMetadata { Filename = $"limits-{index}.bin", MimeType = "application/octet-stream", Purpose = FilePurpose.Batch, Bytes = bytes },
        });
        for (long sent = 0; sent < bytes && !reading.IsCompleted; sent += chunk.Length)
        {
            var length = (int)Math.Min(chunk.Length, bytes - sent);
            await call.RequestStream.WriteAsync(new UploadFileRequest { Chunk = length == chunk.Length ? chunk : ByteString.CopyFrom(chunk.Span[..length]) });
        }
        await call.RequestStream.CompleteAsync();
    }
    catch (Exception ex) when (ex is RpcException or InvalidOperationException or IOException)
    {
        // The server ended the call while we were writing: how it ended is what the response stream says.
    }
    await reading;
}

/// <summary>How the calls ended.</summary>
internal sealed class Tally
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _counts = new() { ["ok"] = 0, ["exhausted"] = 0, ["other"] = 0 };
    private readonly Dictionary<string, int> _reasons = [];
    private readonly List<string> _others = [];

    public async Task RunAsync(Func<Task> call)
    {
        string kind;
        string? reason = null;
        string? other = null;
        try
        {
            await call();
            kind = "ok";
        }
        catch (RpcException ex)
        {
            var status = ex.GetRpcStatus();
            reason = status?.GetDetail<ErrorInfo>()?.Reason ?? "(no ErrorInfo)";
            kind = ex.StatusCode == StatusCode.ResourceExhausted && status?.GetDetail<RetryInfo>() is not null ? "exhausted" : "other";
            if (kind == "other")
            {
                other = $"{ex.StatusCode} {reason}: {ex.Status.Detail}";
            }
        }
        catch (Exception ex)
        {
            kind = "other";
            other = $"{ex.GetType().Name}: {ex.Message}";
        }
        lock (_lock)
        {
            _counts[kind]++;
            if (reason is not null)
            {
                _reasons[reason] = _reasons.GetValueOrDefault(reason) + 1;
            }
            if (other is not null && _others.Count < 10)
            {
                _others.Add(other);
            }
        }
    }

    public string ToJson(params (string Key, long Value)[] more)
    {
        lock (_lock)
        {
            var all = new Dictionary<string, object>(_counts.Select(c => KeyValuePair.Create(c.Key, (object)c.Value)))
            {
                ["reasons"] = _reasons,
                ["others"] = _others,
            };
            foreach (var (key, value) in more)
            {
                all[key] = value;
            }
            return JsonSerializer.Serialize(all);
        }
    }
}
