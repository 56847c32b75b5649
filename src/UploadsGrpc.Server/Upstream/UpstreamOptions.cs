namespace UploadsGrpc.Server.Upstream;

/// <summary>Where the upstream REST API is and how to authenticate to it.</summary>
public sealed class UpstreamOptions
{
    public const string DefaultBaseUrl = "https://api.openai.com/v1";

    /// <summary>The bearer key sent to the embedded emulator, which accepts any; the real key never goes there.</summary>
    public const string EmulatorApiKey = "sk-emulator";

    /// <summary>Where calls go: see <see cref="UpstreamModeRule"/>.</summary>
    public UpstreamMode Mode { get; set; } = UpstreamMode.OpenAI;

    /// <summary>Why <see cref="Mode"/> was chosen, for the start-up log line.</summary>
    public string ModeReason { get; set; } = "";

    /// <summary>Upstream:EmulatorPort: the embedded emulator's loopback port; 0 picks a free one.</summary>
    public int EmulatorPort { get; set; }

    /// <summary>OPENAI_BASE_URL: the REST root, including its <c>/v1</c>.</summary>
    public Uri BaseUrl { get; set; } = new(DefaultBaseUrl);

    /// <summary>OPENAI_API_KEY, sent as a bearer token. Never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>OPENAI_ORG_ID, sent as <c>OpenAI-Organization</c> when set.</summary>
    public string? Organization { get; set; }

    /// <summary>OPENAI_PROJECT_ID, sent as <c>OpenAI-Project</c> when set.</summary>
    public string? Project { get; set; }

    /// <summary>Upstream:RequestTimeout: bounds one upstream request when the caller set no deadline.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(600);
}
