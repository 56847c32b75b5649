namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// What one upstream request allows: its replay class, how many retries at most, whether its body can be sent
/// again (a streamed body can be only if nothing of it was read), and whether it waits for an open circuit to
/// let a request through rather than failing at once (the clean-up of a failed upload, which must not be lost).
/// </summary>
internal readonly record struct RetryShape(Replay Replay, int MaxRetries, Func<bool>? CanResend = null, bool WaitsForCircuit = false)
{
    public bool BodyResendable => CanResend?.Invoke() ?? true;
}
