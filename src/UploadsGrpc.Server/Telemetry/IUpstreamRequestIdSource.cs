namespace UploadsGrpc.Server.Telemetry;

/// <summary>The upstream request id a call has learnt so far, for its log scope and span; the upstream client sets it.</summary>
internal interface IUpstreamRequestIdSource
{
    string? RequestId { get; }
}
