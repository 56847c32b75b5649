using System.Text.Encodings.Web;
using System.Text.Json;

namespace UploadsGrpc.Emulator.Json;

/// <summary>
/// The context the emulator writes with: apostrophes and non-ASCII file names as plain UTF-8, as the real
/// API sends them, rather than the default encoder's <c>\u0027</c> escapes.
/// </summary>
internal static class EmulatorJson
{
    public static readonly EmulatorJsonContext Context = new(new JsonSerializerOptions(EmulatorJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
