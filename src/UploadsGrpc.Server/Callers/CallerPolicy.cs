namespace UploadsGrpc.Server.Callers;

/// <summary>
/// What a caller may do, as configured: <c>Callers:Default</c>, or one entry of <c>Callers:Named</c>. A named
/// caller's unset values come from the default; the default's unset values allow everything.
/// </summary>
public sealed class CallerPolicy
{
    /// <summary>The caller this entry is for (an API key's caller, a JWT's caller claim, a SPIFFE ID); unused on the default.</summary>
    public string? Name { get; set; }

    /// <summary>The RPC groups allowed (<c>uploads:write</c>, <c>files:read</c>, <c>files:write</c>, <c>files:delete</c>, <c>reflection</c>); <c>none</c> allows none.</summary>
    public List<string>? Groups { get; set; }

    /// <summary>The purposes the caller may upload files for, as the upstream names them (<c>batch</c>, <c>fine-tune</c>, …).</summary>
    public List<string>? Purposes { get; set; }

    /// <summary>The largest file, in bytes, the caller may upload in one upload or CreateFile.</summary>
    public long? MaxUploadBytes { get; set; }

    /// <summary>How many calls of the caller may run at once, across every connection to this replica.</summary>
    public int? MaxConcurrentStreams { get; set; }

    /// <summary>Calls a second the caller may start on this replica, on average.</summary>
    public int? RequestsPerSecond { get; set; }

    /// <summary>Calls the caller may start at once above its rate; defaults to <see cref="RequestsPerSecond"/>.</summary>
    public int? Burst { get; set; }

    /// <summary>The OpenAI project the caller's calls use upstream (<c>OpenAI-Project</c>); unset means OPENAI_PROJECT_ID.</summary>
    public string? Project { get; set; }

    /// <summary>The name of an environment variable holding the caller's own OpenAI key.</summary>
    public string? ApiKeyVariable { get; set; }

    /// <summary>A file holding the caller's own OpenAI key, e.g. a mounted Secret.</summary>
    public string? ApiKeyFile { get; set; }
}
