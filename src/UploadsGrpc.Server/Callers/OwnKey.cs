namespace UploadsGrpc.Server.Callers;

/// <summary>A caller's own OpenAI key, from a variable (through the configuration, which holds the environment) or a file.</summary>
internal static class OwnKey
{
    public static string? Read(string? variable, string? file, IConfiguration configuration)
    {
        if (variable is not null)
        {
            return configuration[variable] is { Length: > 0 } value ? value.Trim() : null;
        }
        if (file is not null)
        {
            try
            {
                return File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } value ? value : null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
        return null;
    }
}
