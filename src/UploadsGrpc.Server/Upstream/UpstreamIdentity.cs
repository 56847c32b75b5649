using System.Net.Http.Headers;

namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// On whose behalf one gRPC call reaches the upstream: its caller's OpenAI project and, when the caller has one,
/// its own key. Scoped to the call and set once the caller is known; unset, requests carry the service's own
/// OPENAI_PROJECT_ID and OPENAI_API_KEY. A caller's own key never goes to the embedded emulator.
/// </summary>
internal sealed class UpstreamIdentity(bool emulated)
{
    private string? _project;
    private string? _apiKey;

    public void Use(string? project, string? apiKey)
    {
        _project = project;
        _apiKey = emulated ? null : apiKey;
    }

    /// <summary>Request headers win over the client's defaults, so only what this caller changes is set.</summary>
    public void ApplyTo(HttpRequestMessage request)
    {
        if (_project is { } project)
        {
            request.Headers.Remove("OpenAI-Project");
            request.Headers.TryAddWithoutValidation("OpenAI-Project", project);
        }
        if (_apiKey is { } key)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
    }
}
