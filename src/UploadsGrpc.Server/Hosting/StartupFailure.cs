using Microsoft.Extensions.Options;

namespace UploadsGrpc.Server.Hosting;

/// <summary>Tells a configuration mistake, which stops the start with one line, from any other failure.</summary>
internal static class StartupFailure
{
    /// <summary>The line that names the setting at fault, or null when <paramref name="exception"/> is not a configuration mistake.</summary>
    public static string? Describe(Exception exception) => exception switch
    {
        OptionsValidationException invalid => string.Join(" ", invalid.Failures),
        // The configuration binder's own failure (a value of the wrong type); its message names the key, not the value.
        InvalidOperationException { InnerException: not null } binding
            when binding.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal) => binding.Message,
        _ => null,
    };
}
