using System.Net.Http.Headers;

namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// On whose behalf one gRPC call reaches the upstream: its caller's OpenAI project and, when the caller has one,
/// its own key. Scoped to the call and set once the caller is known; unset, requests carry the service's own
/// OPENAI_ORG_ID and OPENAI_PROJECT_ID (and the key the client's defaults hold). Neither the service's
/// organization and project nor a caller's own key go to the embedded emulator; a caller's project does, since
/// the emulator scopes objects by project as the real API does.
/// </summary>
internal sealed class UpstreamIdentity(bool emulated, string? serviceOrganization, string? serviceProject)
{
    private string? _project;
    private string? _apiKey;

    /// <summary>The caller's own key, when its requests carry one: a secret to redact as the service's key is.</summary>
    public string? ApiKey => _apiKey;

    public void Use(string? project, string? apiKey)
    {
        _project = project;
        _apiKey = emulated ? null : apiKey;
    }

    /// <summary>
    /// A caller's own key may belong to another organization or project than the service's: it goes without
    /// OPENAI_ORG_ID, and with no project but the caller's own, which the upstream would otherwise refuse as a mismatch.
    /// </summary>
    public void ApplyTo(HttpRequestMessage request)
    {
        var ownKey = _apiKey is not null;
        if (ownKey)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
        }
        var organization = ownKey || emulated ? null : serviceOrganization;
        var project = _project ?? (ownKey || emulated ? null : serviceProject);
        if (organization is not null)
        {
            request.Headers.TryAddWithoutValidation("OpenAI-Organization", organization);
        }
        if (project is not null)
        {
            request.Headers.TryAddWithoutValidation("OpenAI-Project", project);
        }
    }
}
