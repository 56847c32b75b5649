using System.Globalization;

namespace UploadsGrpc.Soak;

/// <summary>The run's options (see Program.cs); every one has a default but the emulator and the known file.</summary>
internal sealed record Options(
    string Emulator,
    string KnownFile,
    long KnownBytes,
    int Seconds,
    int Callers,
    int Streams,
    int MinMib,
    int MaxMib,
    int Channels,
    int Seed,
    bool Resumable,
    int Grace,
    string? Out)
{
    public static Options Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var resumable = false;
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--resumable")
            {
                resumable = true;
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Count)
            {
                values[args[i][2..]] = args[++i];
            }
            else
            {
                throw new ArgumentException($"unexpected argument '{args[i]}'");
            }
        }
        int Int(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        string Required(string name) => values.TryGetValue(name, out var v) ? v : throw new ArgumentException($"--{name} is required");
        var options = new Options(
            Required("emulator"),
            Required("known-file"),
            long.Parse(Required("known-bytes"), CultureInfo.InvariantCulture),
            Int("seconds", 60),
            Int("callers", 200),
            Int("streams", 20),
            Int("min-mib", 32),
            Int("max-mib", 256),
            Int("channels", 4),
            Int("seed", 1),
            resumable,
            Int("grace", 30),
            values.GetValueOrDefault("out"));
        if (options.MinMib < 1 || options.MaxMib < options.MinMib || options.Callers < 0 || options.Streams < 0 || options.Channels < 1 || options.Seconds < 1)
        {
            throw new ArgumentException("need 1 <= min-mib <= max-mib, callers and streams >= 0, channels >= 1, seconds >= 1");
        }
        return options;
    }
}
