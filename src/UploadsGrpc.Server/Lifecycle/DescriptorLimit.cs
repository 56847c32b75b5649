using System.Globalization;

namespace UploadsGrpc.Server.Lifecycle;

/// <summary>
/// The process's open-file limit, and the connection cap that stays below it. Each client connection holds one
/// descriptor and may hold one upstream connection too; the rest are kept for files, the runtime and the emulator.
/// Read from /proc/self/limits rather than getrlimit so no native call is needed under Native AOT.
/// </summary>
internal static class DescriptorLimit
{
    public const long Reserved = 256;
    public const long CapWhenUnknown = 10_000;

    /// <summary>The soft "Max open files" from a /proc/self/limits text, or null when absent or unlimited.</summary>
    public static long? ParseSoftLimit(string limits)
    {
        foreach (var line in limits.Split('\n'))
        {
            if (!line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                continue;
            }
            var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length > 0 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var soft) ? soft : null;
        }
        return null;
    }

    /// <summary>Half of what is left after the reserve: a client connection and its upstream connection each.</summary>
    public static long CapFor(long? softLimit) =>
        softLimit is { } limit ? Math.Max(1, (limit - Reserved) / 2) : CapWhenUnknown;

    /// <summary>The connection cap in force and where it comes from: the setting, or the descriptor limit.</summary>
    public static (long Cap, string Source) Resolve(ConnectionsOptions connections)
    {
        if (connections.MaxConnections > 0)
        {
            return (connections.MaxConnections, "Connections:MaxConnections");
        }
        var limit = ReadSoftLimit();
        return (CapFor(limit), limit is { } soft ? $"half of the descriptor limit {soft} less {Reserved}" : "the descriptor limit is unknown");
    }

    public static long? ReadSoftLimit()
    {
        try
        {
            return File.Exists("/proc/self/limits") ? ParseSoftLimit(File.ReadAllText("/proc/self/limits")) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
