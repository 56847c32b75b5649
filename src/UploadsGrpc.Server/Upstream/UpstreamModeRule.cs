namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// The upstream mode rule: the emulator when <c>Upstream:Mode=Emulator</c>, or in Development when neither
/// OPENAI_API_KEY nor OPENAI_BASE_URL is set; otherwise the real upstream, which outside Development needs a
/// key: a misconfigured deployment must never quietly send files to a fake.
/// </summary>
internal static class UpstreamModeRule
{
    /// <summary>The mode and why; a null mode refuses the start, and the reason then names what to set.</summary>
    public static (UpstreamMode? Mode, string Reason) Resolve(UpstreamMode? mode, bool hasKey, bool hasBaseUrl, bool isDevelopment)
    {
        if (mode == UpstreamMode.Emulator)
        {
            return (UpstreamMode.Emulator, "Upstream:Mode=Emulator");
        }
        if (mode is null && isDevelopment && !hasKey && !hasBaseUrl)
        {
            return (UpstreamMode.Emulator, "the Development environment with neither OPENAI_API_KEY nor OPENAI_BASE_URL set");
        }
        if (!hasKey && !isDevelopment)
        {
            return (null, "OPENAI_API_KEY is not set. Set it to the key of the OpenAI API, or set Upstream:Mode=Emulator to run on the embedded emulator.");
        }
        return (UpstreamMode.OpenAI, hasBaseUrl ? "OPENAI_BASE_URL" : "the default OPENAI_BASE_URL");
    }
}
