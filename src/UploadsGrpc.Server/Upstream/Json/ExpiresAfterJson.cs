namespace UploadsGrpc.Server.Upstream.Json;

/// <summary>The upstream <c>expires_after</c> object.</summary>
internal sealed record ExpiresAfterJson(string Anchor, long Seconds);
