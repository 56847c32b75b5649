namespace UploadsGrpc.Server.Upstream;

/// <summary>Whether an upstream request may be sent again after it may have been received.</summary>
internal enum Replay
{
    /// <summary>
    /// Sending it twice has the effect of sending it once: a GET, DELETE of a file, a part (only listed parts
    /// count at complete), the clean-up cancel of a failed upload. Retried on every outcome the SDKs retry.
    /// </summary>
    Safe,

    /// <summary>
    /// Sending it twice could do twice what was asked (CreateUpload, CreateFile) or replay what may already
    /// have happened (CompleteUpload, CancelUpload). Retried only when the upstream provably did not act on
    /// it: no connection was made, a 429, or <c>x-should-retry: true</c>.
    /// </summary>
    AtMostOnce,
}
