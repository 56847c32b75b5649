namespace UploadsGrpc.Server.Callers;

/// <summary>
/// The auth mode rule: the configured mode; else None where no real key can be spent (Development, or the
/// embedded emulator); else no start, because a deployment that forgot Auth:Mode must not open the key to all.
/// </summary>
internal static class AuthModeRule
{
    public static (AuthMode? Mode, string Reason) Resolve(AuthMode? mode, bool isDevelopment, bool emulated) => mode switch
    {
        { } set => (set, "Auth:Mode"),
        null when isDevelopment => (AuthMode.None, "the Development environment with no Auth:Mode set"),
        null when emulated => (AuthMode.None, "the embedded emulator, which holds no OpenAI key, with no Auth:Mode set"),
        null => (null, "Auth:Mode is not set. Set it to ApiKeys, Jwt or Mesh to say who may call (docs/auth.md), or to None to let anyone who reaches the port spend the OpenAI key."),
    };
}
