namespace UploadsGrpc.Server.Callers;

/// <summary>One caller's API key, as <c>Auth:ApiKeys:N</c>: the key itself is never configured, only its hash.</summary>
public sealed class ApiKeyEntry
{
    /// <summary>The caller the key identifies; its policy is the one of the same name in <c>Callers:Named</c>, else the default.</summary>
    public string Caller { get; set; } = "";

    /// <summary>The SHA-256 of the key's UTF-8 bytes, as 64 hexadecimal digits (<c>printf %s "$KEY" | sha256sum</c>).</summary>
    public string Sha256 { get; set; } = "";
}
