namespace UploadsGrpc.Server.Callers;

/// <summary>
/// The <c>Auth</c> section: how callers authenticate. <see cref="AuthModeSetup"/> resolves the mode in force and
/// <see cref="AuthOptionsValidation"/> refuses a start without one where the key could be spent by anyone.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>Auth:Mode; unset means None in Development or on the embedded emulator, and refuses to start otherwise.</summary>
    public AuthMode? Mode { get; set; }

    /// <summary>Auth:ApiKeys: the callers' key hashes, for <see cref="AuthMode.ApiKeys"/>.</summary>
    public List<ApiKeyEntry> ApiKeys { get; set; } = [];

    /// <summary>Auth:Jwt, for <see cref="AuthMode.Jwt"/>.</summary>
    public JwtSettings Jwt { get; set; } = new();

    /// <summary>Auth:Mesh, for <see cref="AuthMode.Mesh"/>.</summary>
    public MeshSettings Mesh { get; set; } = new();

    /// <summary>The mode in force, as <see cref="AuthModeRule"/> decided; null when the rule refuses to start.</summary>
    public AuthMode? ResolvedMode { get; internal set; }

    /// <summary>Why <see cref="ResolvedMode"/> was chosen, for the start-up line; or why the start is refused.</summary>
    public string ModeReason { get; internal set; } = "";
}
