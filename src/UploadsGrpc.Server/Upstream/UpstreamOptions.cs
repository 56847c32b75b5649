namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// Where the upstream REST API is and how to authenticate to it: the <c>Upstream</c> section, and the official
/// SDKs' variables (read by <see cref="UpstreamSdkVariables"/>). <see cref="UpstreamModeSetup"/> then resolves
/// which upstream is used, and <see cref="UpstreamOptionsValidation"/> refuses what could not work.
/// </summary>
public sealed class UpstreamOptions
{
    public const string Section = "Upstream";

    public const string DefaultBaseUrl = "https://api.openai.com/v1";

    /// <summary>The bearer key sent to the embedded emulator, which accepts any; the real key never goes there.</summary>
    public const string EmulatorApiKey = "sk-emulator";

    /// <summary>Upstream:Mode: <c>Emulator</c> or <c>OpenAI</c>; unset lets <see cref="UpstreamModeRule"/> choose.</summary>
    public UpstreamMode? Mode { get; set; }

    /// <summary>Upstream:EmulatorPort: the embedded emulator's loopback port; 0 picks a free one.</summary>
    public int EmulatorPort { get; set; }

    /// <summary>Upstream:RequestTimeout: bounds one upstream request when the caller set no deadline.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(600);

    /// <summary>
    /// Upstream:BodyIdleTimeout: the longest wait for the next byte of a response body (a JSON answer, or
    /// DownloadFile's content, which RequestTimeout does not bound); then the request is aborted, UPSTREAM_TIMEOUT.
    /// </summary>
    public TimeSpan BodyIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Upstream:MaxJsonResponseBytes: the longest JSON answer read (it is parsed in memory); a longer one is
    /// UPSTREAM_INVALID_RESPONSE. A page of 10,000 files is about 3 MB.
    /// </summary>
    public long MaxJsonResponseBytes { get; set; } = DefaultMaxJsonResponseBytes;

    public const long DefaultMaxJsonResponseBytes = 16 * 1024 * 1024;

    /// <summary>
    /// Upstream:MaxRetries: retries of one upstream request after the first attempt, as the official SDKs (2).
    /// UploadFile's parts take Streaming:PartAttempts instead. 0 turns retries off.
    /// </summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>Upstream:RetryBaseDelay: the first backoff (the SDKs' 0.5 s); it doubles per retry, less up to 25 % jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(0.5);

    /// <summary>Upstream:MaxRetryDelay: the longest backoff (the SDKs' 8 s). A Retry-After up to 60 s is honoured as given.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>Upstream:Breaker: when calls stop going to an upstream that is down.</summary>
    public BreakerSettings Breaker { get; set; } = new();

    // The SDKs' variables have internal setters, so the binder leaves them alone: the key is read only from
    // OPENAI_API_KEY, never from an Upstream:ApiKey that could sit in a committed appsettings.json.

    /// <summary>OPENAI_BASE_URL: the REST root, including its <c>/v1</c>; unset means <see cref="DefaultBaseUrl"/>.</summary>
    public string? BaseUrl { get; internal set; }

    /// <summary>OPENAI_API_KEY, sent as a bearer token to the real API. Never logged.</summary>
    public string? ApiKey { get; internal set; }

    /// <summary>OPENAI_ORG_ID, sent as <c>OpenAI-Organization</c> when set.</summary>
    public string? Organization { get; internal set; }

    /// <summary>OPENAI_PROJECT_ID, sent as <c>OpenAI-Project</c> when set.</summary>
    public string? Project { get; internal set; }

    /// <summary>The upstream in use, as <see cref="UpstreamModeRule"/> decided; null when the rule refuses to start.</summary>
    public UpstreamMode? ResolvedMode { get; internal set; }

    /// <summary>Why <see cref="ResolvedMode"/> was chosen, for the start-up log line; or why the start is refused.</summary>
    public string ModeReason { get; internal set; } = "";
}
