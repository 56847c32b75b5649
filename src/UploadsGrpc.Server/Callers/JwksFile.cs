using Microsoft.IdentityModel.Tokens;

namespace UploadsGrpc.Server.Callers;

/// <summary>A JWKS file's signing keys, read once at start; a file that is missing or holds no key stops the start.</summary>
internal static class JwksFile
{
    public static IList<SecurityKey> Read(string path) => new JsonWebKeySet(File.ReadAllText(path)).GetSigningKeys();

    /// <summary>What is wrong with the file, or null.</summary>
    public static string? Problem(string path)
    {
        try
        {
            return Read(path).Count == 0 ? "holds no signing key." : null;
        }
        catch (IOException)
        {
            return "cannot be read.";
        }
        catch (UnauthorizedAccessException)
        {
            return "cannot be read.";
        }
        catch (ArgumentException)
        {
            return "is not a JWKS document ({\"keys\": [...]}).";
        }
    }
}
