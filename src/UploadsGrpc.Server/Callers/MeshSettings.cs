namespace UploadsGrpc.Server.Callers;

/// <summary><c>Auth:Mesh</c>: which proxies may assert a caller's identity, and in which header.</summary>
public sealed class MeshSettings
{
    /// <summary>Addresses or CIDR ranges of the sidecars allowed to set <see cref="Header"/>, e.g. <c>127.0.0.1</c>.</summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>The header that carries the client certificate's details, in Envoy's format.</summary>
    public string Header { get; set; } = "x-forwarded-client-cert";
}
