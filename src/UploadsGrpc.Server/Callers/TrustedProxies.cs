using System.Net;
using Microsoft.Extensions.Options;

namespace UploadsGrpc.Server.Callers;

/// <summary>The addresses allowed to assert a caller's identity (<c>Auth:Mesh:TrustedProxies</c>).</summary>
internal sealed class TrustedProxies(IOptions<AuthOptions> options)
{
    private readonly IPNetwork[] _networks = [.. options.Value.Mesh.TrustedProxies.Select(Parse)];

    public bool Contains(IPAddress? address)
    {
        if (address is null)
        {
            return false;
        }
        // Kestrel reports an IPv4 peer on a dual-stack socket as ::ffff:a.b.c.d.
        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return _networks.Any(network => network.Contains(plain));
    }

    private static IPNetwork Parse(string value) =>
        IPNetwork.TryParse(value, out var network) ? network : new IPNetwork(IPAddress.Parse(value), IPAddress.Parse(value).GetAddressBytes().Length * 8);
}
