using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Callers;
using UploadsGrpc.Server.Tls;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Hosting;

/// <summary>Tells a configuration mistake, which stops the start with one line, from any other failure.</summary>
internal static partial class StartupFailure
{
    /// <summary>The line that names the setting at fault, or null when <paramref name="exception"/> is not a configuration mistake.</summary>
    public static string? Describe(Exception exception) => exception switch
    {
        OptionsValidationException invalid => string.Join(" ", invalid.Failures),
        // The host validates every options class at start and reports all failures together.
        AggregateException all when all.InnerExceptions.Select(Describe).ToList() is { } lines && lines.All(line => line is not null) =>
            string.Join(" ", lines.Distinct()),
        // A TLS file that passed validation but broke before Kestrel loaded it.
        TlsFileException unusable => unusable.Message,
        // A port another process holds (the gRPC port or Admin:Port): Kestrel's message names the address.
        IOException { InnerException: AddressInUseException } taken => taken.Message,
        // The configuration binder's own failure, a value of the wrong type. Its message quotes the value, which is
        // not repeated: a misplaced secret must not reach the output.
        InvalidOperationException binding when BinderFailure().Match(binding.Message) is { Success: true } match =>
            $"{match.Groups["key"].Value} must be {Expected(match.Groups["type"].Value)}; its value could not be read as one.",
        _ => null,
    };

    private static string Expected(string type) => type switch
    {
        "System.Int32" or "System.Int64" => "a whole number",
        "System.TimeSpan" => "a time span such as 00:10:00",
        "System.Boolean" => "true or false",
        _ when type == typeof(UpstreamMode).FullName => string.Join(" or ", Enum.GetNames<UpstreamMode>()),
        _ when type == typeof(AuthMode).FullName => string.Join(", ", Enum.GetNames<AuthMode>()[..^1]) + " or " + Enum.GetNames<AuthMode>()[^1],
        _ => type,
    };

    [GeneratedRegex(@"^Failed to convert configuration value .* at '(?<key>[^']+)' to type '(?<type>[^']+)'\.$", RegexOptions.Singleline)]
    private static partial Regex BinderFailure();
}
