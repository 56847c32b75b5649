using Grpc.Core;
using Grpc.Net.Client;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>A channel whose every call carries <c>authorization: Bearer token</c>, or no credential for a null token.</summary>
public static class BearerChannel
{
    public static GrpcChannel Open(Uri address, string? token)
    {
        var options = new GrpcChannelOptions { MaxSendMessageSize = null, MaxReceiveMessageSize = null };
        if (token is not null)
        {
            // Cleartext h2c to the façade on loopback: call credentials are sent only when allowed explicitly.
            options.Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure,
                CallCredentials.FromInterceptor((_, metadata) => { metadata.Add("authorization", $"Bearer {token}"); return Task.CompletedTask; }));
            options.UnsafeUseInsecureChannelCallCredentials = true;
        }
        return GrpcChannel.ForAddress(address, options);
    }
}
