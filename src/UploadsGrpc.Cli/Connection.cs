using System.CommandLine;
using Grpc.Net.Client;
using UploadsGrpc.V1;

namespace UploadsGrpc.Cli;

/// <summary>The server to talk to: <c>--server URL</c> on any command, else UPLOADSGRPC_SERVER, else the default address.</summary>
internal static class Connection
{
    public const string DefaultServer = "http://127.0.0.1:50051";

    public static readonly Option<string> ServerOption = CreateServerOption();

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

    private static bool IsServerUrl(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    public static GrpcChannel Open(ParseResult parse) => GrpcChannel.ForAddress(parse.GetValue(ServerOption)!, new GrpcChannelOptions
    {
        // Downloads arrive in 1 MiB chunks; the default 4 MiB limit already fits, this leaves room.
        MaxReceiveMessageSize = 16 * 1024 * 1024,
    });

    public static UploadService.UploadServiceClient Uploads(GrpcChannel channel) => new(channel);

    public static FileService.FileServiceClient Files(GrpcChannel channel) => new(channel);
}
