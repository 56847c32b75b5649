using System.Buffers.Binary;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>
/// gRPC below the generated stubs: any bytes as a request message (a pass-through marshaller on a real channel),
/// or a whole request body of hand-made frames over h2c with HttpClient, for what no gRPC client would send.
/// </summary>
public static class RawGrpc
{
    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    /// <summary>Sends <paramref name="message"/> as is as the request of a unary method.</summary>
    public static Task<byte[]> UnaryAsync(GrpcChannel channel, string service, string method, byte[] message, CallOptions options = default) =>
        channel.CreateCallInvoker().AsyncUnaryCall(new Method<byte[], byte[]>(MethodType.Unary, service, method, Bytes, Bytes), null, options, message).ResponseAsync;

    /// <summary>Writes <paramref name="messages"/> as is on a streaming method; every response, and how the call failed if it did.</summary>
    public static async Task<(List<byte[]> Responses, RpcException? Failure)> StreamAsync(GrpcChannel channel, MethodType type, string service, string method, params byte[][] messages)
    {
        using var call = channel.CreateCallInvoker().AsyncDuplexStreamingCall(new Method<byte[], byte[]>(type, service, method, Bytes, Bytes), null, default);
        var responses = new List<byte[]>();
        var reading = Task.Run(async () =>
        {
            await foreach (var response in call.ResponseStream.ReadAllAsync())
            {
                responses.Add(response);
            }
        });
        try
        {
            foreach (var message in messages)
            {
                await call.RequestStream.WriteAsync(message);
            }
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The server ended the call first: its status is what the reading gets.
        }
        try
        {
            await reading;
            return (responses, null);
        }
        catch (RpcException failure)
        {
            return (responses, failure);
        }
    }

    /// <summary>One gRPC frame: the compressed flag, the big-endian length, the payload.</summary>
    public static byte[] Frame(byte[] payload, byte flag = 0)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    public static byte[] Frame(IMessage message) => Frame(message.ToByteArray());

    /// <summary>POSTs <paramref name="body"/> to <paramref name="path"/> over h2c (or the version given) and reads the whole answer.</summary>
    public static async Task<RawResponse> PostAsync(Uri address, string path, byte[] body, string? contentType = "application/grpc",
        Version? version = null, params (string Name, string Value)[] headers)
    {
        using var client = new HttpClient(new SocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(60) };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, path))
        {
            Version = version ?? HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = contentType is null ? null : System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("te", "trailers");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await client.SendAsync(request);
        var content = await response.Content.ReadAsByteArrayAsync();
        var messages = new List<byte[]>();
        var grpc = response.Content.Headers.ContentType?.MediaType?.StartsWith("application/grpc", StringComparison.Ordinal) == true;
        for (var offset = 0; grpc && offset + 5 <= content.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(content.AsSpan(offset + 1));
            messages.Add(content.AsSpan(offset + 5, length).ToArray());
            offset += 5 + length;
        }
        static Dictionary<string, string> All(System.Net.Http.Headers.HttpHeaders h) => h.ToDictionary(e => e.Key, e => string.Join(",", e.Value), StringComparer.OrdinalIgnoreCase);
        return new RawResponse((int)response.StatusCode, All(response.Headers), All(response.TrailingHeaders), messages)
        {
            Body = grpc ? "" : System.Text.Encoding.UTF8.GetString(content),
            Version = response.Version,
        };
    }
}

/// <summary>A raw answer: HTTP status, headers, trailers and the response messages' payloads.</summary>
public sealed record RawResponse(int HttpStatus, Dictionary<string, string> Headers, Dictionary<string, string> Trailers, List<byte[]> Messages)
{
    /// <summary>The body as text, when it is not gRPC.</summary>
    public string Body { get; init; } = "";

    public Version Version { get; init; } = HttpVersion.Version20;

    /// <summary>A gRPC status field, from the trailers or, for a trailers-only answer, the headers.</summary>
    public string? Grpc(string name) => Trailers.GetValueOrDefault(name) ?? Headers.GetValueOrDefault(name);

    public StatusCode? Status => Grpc("grpc-status") is { } s ? (StatusCode)int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : null;

    public string? Message => Grpc("grpc-message") is { } m ? Uri.UnescapeDataString(m) : null;

    public Google.Rpc.ErrorInfo? ErrorInfo
    {
        get
        {
            if (Grpc("grpc-status-details-bin") is not { } details)
            {
                return null;
            }
            var padded = details.PadRight(details.Length + ((4 - (details.Length % 4)) % 4), '=');
            var status = Google.Rpc.Status.Parser.ParseFrom(Convert.FromBase64String(padded));
            Assert.Equal((int?)Status, status.Code);
            return status.Details.Select(d => d.TryUnpack<Google.Rpc.ErrorInfo>(out var info) ? info : null).Single(i => i is not null);
        }
    }
}
