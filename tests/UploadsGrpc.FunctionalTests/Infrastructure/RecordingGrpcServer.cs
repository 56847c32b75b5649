using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>What a call carried: its authorization header and the client certificate's subject, if any.</summary>
public sealed record RecordedCall(string? Authorization, string? ClientCertificate);

/// <summary>
/// A stand-in gRPC server on a loopback socket, cleartext HTTP/2 or TLS, whose <c>GetFile</c> records what each
/// call carried and answers a file: it shows what the CLI sends, which the real server does not echo.
/// </summary>
public sealed class RecordingGrpcServer : IAsyncDisposable
{
    /// <summary>A token the server refuses with UNAUTHENTICATED, as a server with authentication would.</summary>
    public const string RefusedToken = "refused-token";

    private readonly WebApplication _app;

    private RecordingGrpcServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public IReadOnlyList<RecordedCall> Calls => [.. _app.Services.GetRequiredService<ConcurrentQueue<RecordedCall>>()];

    /// <summary>
    /// Starts cleartext (h2c) without <paramref name="certificate"/>, else TLS with it; with <paramref name="clientAuthority"/>
    /// only clients with a certificate it issued get through the handshake.
    /// </summary>
    public static async Task<RecordingGrpcServer> StartAsync(X509Certificate2? certificate = null, IssuedCertificates? clientAuthority = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(new ConcurrentQueue<RecordedCall>());
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            if (certificate is not null)
            {
                listen.UseHttps(https =>
                {
                    https.ServerCertificate = certificate;
                    if (clientAuthority is not null)
                    {
                        https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                        https.ClientCertificateValidation = (client, _, _) => clientAuthority.Issued(client);
                    }
                });
            }
        }));
        var app = builder.Build();
        app.MapGrpcService<RecordingFileService>();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new RecordingGrpcServer(app, new Uri(address));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private sealed class RecordingFileService(ConcurrentQueue<RecordedCall> calls) : FileService.FileServiceBase
    {
        public override Task<GetFileResponse> GetFile(GetFileRequest request, ServerCallContext context)
        {
            var authorization = context.RequestHeaders.GetValue("authorization");
            calls.Enqueue(new RecordedCall(authorization, context.GetHttpContext().Connection.ClientCertificate?.Subject));
            if (authorization == "Bearer " + RefusedToken)
            {
                throw new RpcException(new Status(StatusCode.Unauthenticated, "The bearer token is not valid."));
            }
            return Task.FromResult(new GetFileResponse
            {
                File = new FileObject { Id = request.FileId, Filename = "recorded.txt", Bytes = 1, PurposeValue = "batch" },
            });
        }
    }
}
