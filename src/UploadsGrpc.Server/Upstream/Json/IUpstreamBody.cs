namespace UploadsGrpc.Server.Upstream.Json;

/// <summary>
/// A JSON answer that can say what about it is wrong beyond what the serializer checks: an empty id, a negative
/// size, a null inside a list (nullable annotations are not checked on collection elements).
/// </summary>
internal interface IUpstreamBody
{
    /// <summary>What is wrong, as a JSON path and a few words, or null.</summary>
    string? FindProblem();
}
