namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// What one upstream request allows: its replay class, how many retries at most, and whether its body can be
/// sent again (a streamed body can be only if nothing of it was read).
/// </summary>
internal readonly record struct RetryShape(Replay Replay, int MaxRetries, Func<bool>? CanResend = null)
{
    public bool BodyResendable => CanResend?.Invoke() ?? true;
}
