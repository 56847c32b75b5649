namespace UploadsGrpc.Server.Upstream;

/// <summary>Where the upstream REST API is and how to authenticate to it.</summary>
public sealed class UpstreamOptions
{
    public const string DefaultBaseUrl = "https://api.openai.com/v1";

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
