namespace UploadsGrpc.Server.Callers;

/// <summary>What a method needs: the group a caller must have (none when open to all), and whether its calls are audited.</summary>
internal readonly record struct RpcRule(string? Group, bool Mutating)
{
    public static RpcRule Open => new(null, Mutating: false);
}
