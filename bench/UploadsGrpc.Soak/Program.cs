// bench/soak.sh's load driver. One subcommand each:
//   wait TARGET SECONDS          exits 0 once a call through TARGET gets an answer from the server (any status the
//                                server decided on), 1 after SECONDS
//   seed TARGET                  uploads a small known file (64 KiB) and prints "FILE_ID BYTES": what the unary
//                                callers read (GetFile, DownloadFile)
//   run TARGET [options]         the load: --callers unary callers and --streams UploadFile streams for --seconds,
//                                then a JSON summary (--out) of the calls, errors by status, uploads and clean-up
// TARGET is the server's (or the load balancer's) address, e.g. http://127.0.0.1:50601. Every loop is bounded in
// count and time; every call has a deadline; the run ends at most --grace seconds after --seconds.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using Grpc.Net.Client;
using UploadsGrpc.Soak;
using UploadsGrpc.V1;

var invariant = CultureInfo.InvariantCulture;
if (args.Length < 2)
{
    return Usage();
}
var target = args[1];
switch (args[0])
{
    case "wait":
        return await WaitAsync(target, int.Parse(args[2], invariant));
    case "seed":
        return await SeedAsync(target);
    case "run":
        return await RunAsync(target, Options.Parse(args.Skip(2).ToArray()));
    default:
        return Usage();
}

static int Usage()
{
    Console.Error.WriteLine("usage: UploadsGrpc.Soak wait TARGET SECONDS | seed TARGET | run TARGET --emulator URL --known-file ID --known-bytes N "
        + "[--seconds 60] [--callers 200] [--streams 20] [--min-mib 32] [--max-mib 256] [--channels 4] [--seed 1] [--resumable] [--grace 30] [--out FILE]");
    return 2;
}

static GrpcChannel Open(string address) => GrpcChannel.ForAddress(address, new GrpcChannelOptions
{
    MaxReceiveMessageSize = null,
    // More connections rather than queueing behind one connection's 100 streams.
    HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) },
});

static async Task<int> WaitAsync(string target, int seconds)
{
    using var channel = Open(target);
    var client = new UploadService.UploadServiceClient(channel);
    var until = Stopwatch.StartNew();
    while (until.Elapsed < TimeSpan.FromSeconds(seconds))
    {
        try
        {
            await client.CancelUploadAsync(new CancelUploadRequest { UploadId = "upload_soakwait" }, deadline: DateTime.UtcNow.AddSeconds(2));
            return 0;
        }
        catch (RpcException error) when (error.Trailers.Get("grpc-status-details-bin") is not null)
        {
            return 0;
        }
        catch (RpcException)
        {
            await Task.Delay(200);
        }
    }
    return 1;
}

static async Task<int> SeedAsync(string target)
{
    using var channel = Open(target);
    var client = new UploadService.UploadServiceClient(channel);
    var data = new byte[64 * 1024];
    new Random(7).NextBytes(data);
    for (var attempt = 0; attempt < 10; attempt++)
    {
        try
        {
            using var call = client.UploadFile(deadline: DateTime.UtcNow.AddSeconds(30));
            await call.RequestStream.WriteAsync(new UploadFileRequest
            {
                Metadata = new UploadFileMetadata { Filename = "soak-known.bin", Purpose = FilePurpose.Assistants, Bytes = data.Length, MimeType = "application/octet-stream" },
            });
            await call.RequestStream.WriteAsync(new UploadFileRequest { Chunk = Google.Protobuf.ByteString.CopyFrom(data) });
            await call.RequestStream.CompleteAsync();
            await foreach (var message in call.ResponseStream.ReadAllAsync())
            {
                if (message.EventCase == UploadFileResponse.EventOneofCase.Completed)
                {
                    Console.WriteLine($"{message.Completed.Upload.File.Id} {data.Length}");
                    return 0;
                }
            }
        }
        catch (RpcException error)
        {
            Console.Error.WriteLine($"seed: {error.Status}");
            await Task.Delay(500);
        }
    }
    return 1;
}

static async Task<int> RunAsync(string target, Options options)
{
    var tally = new Tally();
    using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(options.Seconds));
    using var hard = new CancellationTokenSource(TimeSpan.FromSeconds(options.Seconds + options.Grace));
    var calls = new Calls(tally, hard.Token);
    using var http = new HttpClient { BaseAddress = new Uri(options.Emulator.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(10) };
    var admin = new EmulatorAdmin(http);
    var settings = new StreamSettings(options.MinMib * 1024L * 1024, options.MaxMib * 1024L * 1024, options.Seed, options.Resumable);
    // Unary callers share a few channels, as services share a client; each stream has its own, as separate uploaders would.
    var unaryChannels = Enumerable.Range(0, options.Channels).Select(_ => Open(target)).ToList();
    var streamChannels = Enumerable.Range(0, options.Streams).Select(_ => Open(target)).ToList();
    var clock = Stopwatch.StartNew();
    var work = new List<Task>();
    var streamers = new List<(UploadStreamer Streamer, Task Task)>();
    for (var i = 0; i < options.Callers; i++)
    {
        var channel = unaryChannels[i % unaryChannels.Count];
        var caller = new UnaryCaller(calls, new UploadService.UploadServiceClient(channel), new FileService.FileServiceClient(channel), options.KnownFile, options.KnownBytes);
        var seed = (options.Seed * 100_000) + i;
        work.Add(Task.Run(() => caller.RunAsync(seed, stop.Token, hard.Token)));
    }
    for (var w = 0; w < options.Streams; w++)
    {
        var channel = streamChannels[w];
        var streamer = new UploadStreamer(tally, calls, new UploadService.UploadServiceClient(channel), new FileService.FileServiceClient(channel), admin, settings);
        var worker = w;
        var task = Task.Run(() => streamer.RunAsync(worker, stop.Token));
        work.Add(task);
        streamers.Add((streamer, task));
    }
    var all = Task.WhenAll(work);
    // Progress on stderr every 10 s, and the bound: clean-up after the hard stop gets at most 60 s more.
    var limit = TimeSpan.FromSeconds(options.Seconds + options.Grace + 60);
    while (!all.IsCompleted && clock.Elapsed < limit)
    {
        await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(10)));
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"soak driver: {clock.Elapsed.TotalSeconds:0} s: {tally.Sum("call ")} calls, {tally.Sum("status ")} errors, "
            + $"{tally.Get("uploads completed_ok")} uploads completed ({tally.Get("uploads completed_bytes") / (1024 * 1024)} MiB), {tally.Sum("uploads failed ")} failed"));
    }
    var unfinished = work.Count(t => !t.IsCompleted);
    var stuck = streamers.Where(s => !s.Task.IsCompleted).Select(s => (JsonNode)s.Streamer.Phase).ToArray();
    foreach (var task in work.Where(t => t.IsFaulted))
    {
        tally.Add("driver faults");
        tally.Sample($"driver: {task.Exception!.GetBaseException()}");
    }
    var summary = Summary(tally, options, clock.Elapsed, unfinished);
    summary["unfinished_streams"] = new JsonArray(stuck);
    var json = summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    if (options.Out is { } path)
    {
        await File.WriteAllTextAsync(path, json);
    }
    else
    {
        Console.WriteLine(json);
    }
    foreach (var channel in unaryChannels.Concat(streamChannels))
    {
        channel.Dispose();
    }
    return unfinished == 0 ? 0 : 3;
}

static JsonObject Summary(Tally tally, Options options, TimeSpan elapsed, int unfinished)
{
    var unaryRpcs = new[] { "GetFile", "ListFiles", "CreateUpload", "CancelUpload", "AddUploadPart", "CompleteUpload", "DeleteFile", "DownloadFile" };
    var byRpc = tally.Group("call ");
    var errorsByRpc = tally.Group("error ");
    long unaryCalls = unaryRpcs.Sum(r => byRpc[r]?.GetValue<long>() ?? 0);
    long unaryErrors = errorsByRpc.Where(e => !e.Key.StartsWith("UploadFile ", StringComparison.Ordinal)).Sum(e => e.Value!.GetValue<long>());
    return new JsonObject
    {
        ["seconds"] = Math.Round(elapsed.TotalSeconds, 1),
        ["callers"] = options.Callers,
        ["streams"] = options.Streams,
        ["min_mib"] = options.MinMib,
        ["max_mib"] = options.MaxMib,
        ["resumable"] = options.Resumable,
        ["calls"] = tally.Sum("call "),
        ["unary_calls"] = unaryCalls,
        ["unary_errors"] = unaryErrors,
        ["calls_by_rpc"] = byRpc,
        ["errors"] = tally.Sum("status "),
        ["errors_by_status"] = tally.Group("status "),
        ["errors_by_rpc_status"] = errorsByRpc,
        ["cut_at_stop"] = tally.Group("cut "),
        ["wrong_answers"] = tally.Group("mismatch "),
        ["uploads"] = new JsonObject
        {
            ["started"] = tally.Get("uploads started"),
            ["completed_ok"] = tally.Get("uploads completed_ok"),
            ["completed_mib"] = tally.Get("uploads completed_bytes") / (1024 * 1024),
            ["wrong_md5"] = tally.Get("uploads wrong_md5"),
            ["failed"] = tally.Sum("uploads failed "),
            ["failed_by_status"] = tally.Group("uploads failed "),
            ["resumed"] = tally.Sum("uploads resumed "),
            ["resumed_after"] = tally.Group("uploads resumed "),
            ["cut"] = tally.Get("uploads cut"),
            ["cancelled_by_driver"] = tally.Get("uploads cancelled_by_driver"),
            ["files_deleted"] = tally.Get("uploads deleted"),
            ["writes_not_ended_by_cancel"] = tally.Get("uploads write_not_ended"),
        },
        ["cleanup"] = new JsonObject
        {
            ["cancel_retries"] = tally.Get("cleanup cancel_retries"),
            ["cancel_failed"] = tally.Get("cleanup cancel_failed"),
            ["delete_failed"] = tally.Get("cleanup delete_failed"),
        },
        ["driver_faults"] = tally.Get("driver faults"),
        ["unfinished_tasks"] = unfinished,
        ["samples"] = tally.Samples(),
    };
}
