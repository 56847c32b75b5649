using System.CommandLine;
using Grpc.Core;
using Grpc.Net.Client;
using UploadsGrpc.V1;

namespace UploadsGrpc.Cli;

/// <summary>
/// The server to talk to and how: <c>--server URL</c> on any command (else UPLOADSGRPC_SERVER, else the default
/// address), the caller's bearer token, and for an https:// server the CA to trust and a client certificate.
/// </summary>
internal static class Connection
{
    public const string DefaultServer = "http://127.0.0.1:50051";

    public const string TokenVariable = "UPLOADSGRPC_TOKEN";

    public static readonly Option<string> ServerOption = CreateServerOption();

    /// <summary>
    /// No default from the environment here, unlike the other options: help prints an option's default, and the
    /// token must never be printed. <see cref="Token"/> falls back to UPLOADSGRPC_TOKEN instead.
    /// </summary>
    public static readonly Option<string?> TokenOption = new("--token")
    {
        Description = $"Sent as `authorization: Bearer TOKEN` on every call (or set {TokenVariable}, which keeps it out of the process list).",
        HelpName = "TOKEN",
        Recursive = true,
    };

    public static readonly Option<string?> CaFileOption = FileOption("--ca-file", "UPLOADSGRPC_CA_FILE",
        "PEM CA certificates an https:// server's certificate must chain to, instead of the system's");

    public static readonly Option<string?> ClientCertOption = FileOption("--client-cert", "UPLOADSGRPC_CLIENT_CERT",
        "PEM client certificate (and any intermediates) for mutual TLS with an https:// server");

    public static readonly Option<string?> ClientKeyOption = FileOption("--client-key", "UPLOADSGRPC_CLIENT_KEY",
        "PEM private key of --client-cert, when that file does not hold it");

    private static Option<string> CreateServerOption()
    {
        var option = new Option<string>("--server")
        {
            Description = "The UploadsGrpc server, e.g. http://127.0.0.1:50051 (or set UPLOADSGRPC_SERVER).",
            Recursive = true,
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("UPLOADSGRPC_SERVER") is { Length: > 0 } fromEnvironment ? fromEnvironment : DefaultServer,
        };
        option.Validators.Add(result =>
        {
            if (!IsServerUrl(result.GetValueOrDefault<string>()))
            {
                result.AddError("--server must be an absolute http:// or https:// URL, e.g. http://127.0.0.1:50051.");
            }
        });
        return option;
    }

    private static Option<string?> FileOption(string name, string variable, string description) => new(name)
    {
        Description = $"{description} (or set {variable}).",
        HelpName = "PATH",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null,
    };

    private static bool IsServerUrl(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    /// <summary>The bearer token from <c>--token</c>, else UPLOADSGRPC_TOKEN; null without either.</summary>
    private static string? Token(ParseResult parse)
    {
        var token = parse.GetValue(TokenOption) is { Length: > 0 } given ? given : Environment.GetEnvironmentVariable(TokenVariable);
        if (string.IsNullOrWhiteSpace(token))
        {
            return null;
        }
        token = token.Trim();
        // A header value must be visible ASCII; the message names the rule, never the value.
        if (token.Any(c => c is < '!' or > '~'))
        {
            throw new UsageException($"--token (or {TokenVariable}) must be visible ASCII characters without spaces.");
        }
        return token;
    }

    /// <exception cref="UsageException">The token or a TLS file cannot be used.</exception>
    public static GrpcChannel Open(ParseResult parse)
    {
        var address = new Uri(parse.GetValue(ServerOption)!);
        var secure = address.Scheme == Uri.UriSchemeHttps;
        var handler = new SocketsHttpHandler
        {
            // As the handler grpc-dotnet makes when given none: calls past one connection's stream limit open another.
            EnableMultipleHttp2Connections = true,
        };
        if (secure)
        {
            handler.SslOptions = ServerTrust.ClientOptions(parse.GetValue(CaFileOption), parse.GetValue(ClientCertOption), parse.GetValue(ClientKeyOption));
        }
        var options = new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            // Downloads arrive in 1 MiB chunks; the default 4 MiB limit already fits, this leaves room.
            MaxReceiveMessageSize = 16 * 1024 * 1024,
        };
        if (Token(parse) is { } token)
        {
            var bearer = CallCredentials.FromInterceptor((_, metadata) =>
            {
                metadata.Add("authorization", "Bearer " + token);
                return Task.CompletedTask;
            });
            options.Credentials = ChannelCredentials.Create(secure ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure, bearer);
            // grpc-dotnet sends call credentials only over TLS unless told otherwise. Cleartext HTTP/2 is the server's
            // own default, and legitimate on loopback or to a sidecar that adds TLS; an http:// --server says so.
            options.UnsafeUseInsecureChannelCallCredentials = true;
        }
        return GrpcChannel.ForAddress(address, options);
    }

    public static UploadService.UploadServiceClient Uploads(GrpcChannel channel) => new(channel);

    public static FileService.FileServiceClient Files(GrpcChannel channel) => new(channel);
}
