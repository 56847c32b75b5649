namespace UploadsGrpc.Server.Lifecycle;

/// <summary>What the last upstream probe found; unreachable until the first probe has answered.</summary>
internal sealed class UpstreamReachability
{
    private (bool Reachable, string Reason) _current = (false, "not probed yet");
    private readonly Lock _gate = new();

    public (bool Reachable, string Reason) Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>Records a probe's outcome and says whether reachability changed (the reason alone does not count).</summary>
    public bool Report(bool reachable, string reason)
    {
        lock (_gate)
        {
            var changed = _current.Reachable != reachable || _current.Reason == "not probed yet";
            _current = (reachable, reason);
            return changed;
        }
    }
}
