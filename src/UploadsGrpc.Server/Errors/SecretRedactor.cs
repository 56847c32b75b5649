using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Errors;

/// <summary>
/// Removes API keys from text that leaves the process. An upstream error may quote the key it got, or the whole
/// <c>Authorization</c> value, in its message, code, type or param, and all of these are copied into statuses,
/// details and logs, so every such text passes through here (<see cref="KeyRedaction"/> says what is a secret).
/// </summary>
internal sealed class SecretRedactor(IOptions<UpstreamOptions> options)
{
    public const string Mask = KeyRedaction.Mask;

    /// <summary>The configured key, for checks that live beside the upstream client (<see cref="UpstreamRequestId"/>).</summary>
    public string? ApiKey => options.Value.ApiKey;

    public string Redact(string text) => KeyRedaction.Redact(text, options.Value.ApiKey);

    /// <summary>True when <paramref name="text"/> holds something <see cref="Redact"/> would remove.</summary>
    public bool HasSecret(string text) => KeyRedaction.HasSecret(text, options.Value.ApiKey);
}
