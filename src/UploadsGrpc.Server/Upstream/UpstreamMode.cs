namespace UploadsGrpc.Server.Upstream;

/// <summary>Which upstream the service talks to.</summary>
public enum UpstreamMode
{
    /// <summary>The REST API at OPENAI_BASE_URL (api.openai.com by default).</summary>
    OpenAI,

    /// <summary>The emulator, hosted in this process on its own loopback port.</summary>
    Emulator,
}
