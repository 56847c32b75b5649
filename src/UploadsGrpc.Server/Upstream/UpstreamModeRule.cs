namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// DESIGN's rule: the emulator when <c>Upstream:Mode=Emulator</c>, or in Development when neither
/// OPENAI_API_KEY nor OPENAI_BASE_URL is set; otherwise the real upstream, which outside Development
/// needs a key: a misconfigured deployment must never quietly send files to a fake.
/// </summary>
internal static class UpstreamModeRule
{
    public const string ModeKey = "Upstream:Mode";

    public static (UpstreamMode Mode, string Reason) Resolve(string? mode, bool hasKey, bool hasBaseUrl, bool isDevelopment)
    {
        if (mode is not null)
        {
            if (!Enum.TryParse<UpstreamMode>(mode, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
            {
                throw new Microsoft.Extensions.Options.OptionsValidationException(nameof(UpstreamOptions), typeof(UpstreamOptions),
                    [$"{ModeKey} must be Emulator or OpenAI; it is '{mode}'."]);
            }
            if (parsed == UpstreamMode.Emulator)
            {
                return (UpstreamMode.Emulator, $"{ModeKey}=Emulator");
            }
        }
        else if (isDevelopment && !hasKey && !hasBaseUrl)
        {
            return (UpstreamMode.Emulator, "the Development environment with neither OPENAI_API_KEY nor OPENAI_BASE_URL set");
        }
        if (!hasKey && !isDevelopment)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException(nameof(UpstreamOptions), typeof(UpstreamOptions),
                ["OPENAI_API_KEY is not set. Set it to the key of the OpenAI API, or set Upstream:Mode=Emulator to run on the embedded emulator."]);
        }
        return (UpstreamMode.OpenAI, hasBaseUrl ? "OPENAI_BASE_URL" : "the default OPENAI_BASE_URL");
    }
}
