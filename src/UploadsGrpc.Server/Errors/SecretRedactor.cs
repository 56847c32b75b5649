using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Errors;

/// <summary>
/// Removes API keys from text that leaves the process. An upstream 401 message may quote the key it got,
/// and a message is copied into statuses and logs, so every outgoing message passes through here.
/// </summary>
internal sealed partial class SecretRedactor(IOptions<UpstreamOptions> options)
{
    public const string Mask = "[redacted]";

    public string Redact(string text)
    {
        if (options.Value.ApiKey is { Length: > 0 } key)
        {
            text = text.Replace(key, Mask, StringComparison.Ordinal);
        }
        // Also keys that are not ours, or partly masked ones the upstream echoes ("sk-proj-abc***xyz").
        return KeyPattern().Replace(text, Mask);
    }

    [GeneratedRegex(@"sk-[A-Za-z0-9_\-\*]{8,}", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();
}
