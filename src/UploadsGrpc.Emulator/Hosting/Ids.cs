using System.Security.Cryptography;

namespace UploadsGrpc.Emulator.Hosting;

/// <summary>IDs shaped like the real API's: <c>upload_</c> and <c>part_</c> + 32 hex, <c>file-</c> + 24 letters and digits.</summary>
internal static class Ids
{
    private const string Alphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static string Upload() => "upload_" + Hex();

    public static string Part() => "part_" + Hex();

    public static string File() => "file-" + RandomNumberGenerator.GetString(Alphanumerics, 24);

    public static string Request() => "req_" + Hex();

    private static string Hex() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
