namespace UploadsGrpc.Emulator.Endpoints;

/// <summary>
/// The project a request acts in, as the real API scopes its objects: the <c>OpenAI-Project</c> header, or one
/// default project without it. An upload or file of another project is not found, as upstream.
/// </summary>
internal static class ProjectHeader
{
    public const string Name = "OpenAI-Project";
    public const string Default = "proj_default";

    public static string Of(HttpRequest request) => request.Headers[Name].ToString().Trim() is { Length: > 0 } project ? project : Default;
}
