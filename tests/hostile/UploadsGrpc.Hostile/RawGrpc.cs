using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using RpcStatus = Google.Rpc.Status;

namespace UploadsGrpc.Hostile;

/// <summary>
/// gRPC by hand: HttpClient on HTTP/2 exactly (h2c, prior knowledge), with frames built byte by byte, so a case can
/// send what no generated stub would: garbage, bad prefixes, a compressed flag without grpc-encoding, cut bodies.
/// </summary>
internal static class RawGrpc
{
    public static readonly HttpClient Http = NewClient();

    /// <summary>Its own connections, so a case that breaks the shared ones cannot fail the health check after it.</summary>
    public static readonly HttpClient HealthHttp = NewClient();

    private static HttpClient NewClient() => new(new SocketsHttpHandler
    {
        EnableMultipleHttp2Connections = true,
        AllowAutoRedirect = false,
        ConnectTimeout = TimeSpan.FromSeconds(5),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    /// <summary>One length-prefixed message: flag byte, 4-byte big-endian length (the real one unless given), the bytes.</summary>
    public static byte[] Frame(byte[] message, bool compressed = false, uint? length = null)
    {
        var frame = new byte[5 + message.Length];
        frame[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), length ?? (uint)message.Length);
        message.CopyTo(frame, 5);
        return frame;
    }

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }
        return output.ToArray();
    }

    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    /// <summary>Posts <paramref name="body"/> to <paramref name="path"/> and reads the whole answer, within <paramref name="bound"/>.</summary>
    public static async Task<Outcome> SendAsync(Uri server, string path, byte[] body, string? contentType = "application/grpc",
        IEnumerable<(string Name, string Value)>? headers = null, TimeSpan? bound = null, string method = "POST", HttpClient? client = null)
    {
        using var cts = new CancellationTokenSource(bound ?? TimeSpan.FromSeconds(15));
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(server, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (method != "GET")
        {
            request.Content = new ByteArrayContent(body);
            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }
        request.Headers.TryAddWithoutValidation("te", "trailers");
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        try
        {
            using var response = await (client ?? Http).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            var bytes = await response.Content.ReadAsByteArrayAsync(cts.Token);
            return Read(response, bytes);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return Outcome.Runner($"no answer within {(bound ?? TimeSpan.FromSeconds(15)).TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            return new Outcome { Transport = "HTTP error: " + Describe(ex) };
        }
    }

    private static string Describe(Exception ex)
    {
        var text = ex.Message;
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            text += " / " + inner.Message;
        }
        return text.Length > 200 ? text[..200] : text;
    }

    private static Outcome Read(HttpResponseMessage response, byte[] body)
    {
        var metadata = new List<KeyValuePair<string, byte[]>>();
        void Add(HttpHeaders headers)
        {
            foreach (var (name, values) in headers.NonValidated)
            {
                foreach (var value in values)
                {
                    metadata.Add(new(name, name.EndsWith("-bin", StringComparison.OrdinalIgnoreCase) ? Base64(value) : Encoding.UTF8.GetBytes(value)));
                }
            }
        }
        Add(response.Headers);
        Add(response.Content.Headers);
        Add(response.TrailingHeaders);
        string? Get(string name) => metadata.LastOrDefault(m => string.Equals(m.Key, name, StringComparison.OrdinalIgnoreCase)) is { Value: { } v } ? Encoding.UTF8.GetString(v) : null;
        int? code = int.TryParse(Get("grpc-status"), out var c) ? c : null;
        var detail = Get("grpc-message") is { } message ? Uri.UnescapeDataString(message) : "";
        RpcStatus? rich = null;
        var details = metadata.LastOrDefault(m => string.Equals(m.Key, "grpc-status-details-bin", StringComparison.OrdinalIgnoreCase)).Value;
        string? note = null;
        if (details is { Length: > 0 })
        {
            try
            {
                rich = RpcStatus.Parser.ParseFrom(details);
            }
            catch (Exception ex)
            {
                note = "grpc-status-details-bin unreadable: " + ex.GetType().Name;
            }
        }
        var messages = 0;
        for (var at = 0; at + 5 <= body.Length; messages++)
        {
            at += 5 + (int)Math.Min(int.MaxValue - 5, BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(at + 1)));
        }
        var type = response.Content.Headers.ContentType?.MediaType ?? "-";
        return new Outcome
        {
            Code = code,
            Detail = detail,
            Metadata = metadata,
            Rich = rich,
            Messages = messages,
            RunnerNote = note,
            Transport = $"HTTP {(int)response.StatusCode} {type}",
            Response = body,
        };
    }

    private static byte[] Base64(string value)
    {
        var text = value.Trim();
        text += new string('=', (4 - (text.Length % 4)) % 4);
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return Encoding.UTF8.GetBytes(value);
        }
    }

    /// <summary>Writes <paramref name="bytes"/> on a plain TCP connection and describes what comes back within <paramref name="bound"/>.</summary>
    public static async Task<Outcome> SocketAsync(Uri server, byte[] bytes, TimeSpan bound)
    {
        using var client = new TcpClient();
        using var cts = new CancellationTokenSource(bound);
        await client.ConnectAsync(server.Host, server.Port, cts.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(bytes, cts.Token);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        var closed = false;
        try
        {
            int read;
            while (received.Length < 65536 && (read = await stream.ReadAsync(buffer, cts.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
            closed = true;
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
            closed = true;
        }
        return new Outcome { Transport = DescribeBytes(received.ToArray()) + (closed ? ", closed" : ", left open"), Response = received.ToArray() };
    }

    /// <summary>An HTTP/1.1 status line, or the HTTP/2 frames (type, and a GOAWAY's error code) in order.</summary>
    public static string DescribeBytes(byte[] data)
    {
        if (data.Length == 0)
        {
            return "nothing";
        }
        var text = Encoding.Latin1.GetString(data);
        if (text.StartsWith("HTTP/", StringComparison.Ordinal))
        {
            return text.Split("\r\n")[0];
        }
        var frames = new List<string>();
        for (var at = 0; at + 9 <= data.Length && frames.Count < 6;)
        {
            var length = (data[at] << 16) | (data[at + 1] << 8) | data[at + 2];
            var type = data[at + 3];
            var name = type switch { 0 => "DATA", 1 => "HEADERS", 3 => "RST_STREAM", 4 => "SETTINGS", 6 => "PING", 7 => "GOAWAY", 8 => "WINDOW_UPDATE", _ => "type" + type };
            if (type == 7 && at + 9 + 8 <= data.Length)
            {
                name += "(" + BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(at + 13)) + ")";
            }
            if (type == 4 && (data[at + 4] & 1) == 1)
            {
                name += "-ACK";
            }
            frames.Add(name);
            at += 9 + length;
        }
        return "h2 " + string.Join(" ", frames);
    }
}
