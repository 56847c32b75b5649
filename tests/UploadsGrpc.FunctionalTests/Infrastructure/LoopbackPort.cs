using System.Net;
using System.Net.Sockets;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>Ports on 127.0.0.1 for tests that need an address nothing answers on.</summary>
public static class LoopbackPort
{
    /// <summary>A port that was free a moment ago and has no listener now: a connection to it is refused.</summary>
    public static int Closed()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
