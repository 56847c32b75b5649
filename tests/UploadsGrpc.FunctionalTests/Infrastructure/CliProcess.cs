using System.Diagnostics;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>The built CLI, run from its own output with stdout and stderr captured, so it runs non-interactively.</summary>
public static class CliProcess
{
    /// <summary>
    /// Runs the CLI against <paramref name="server"/>. No UPLOADSGRPC_* variable is inherited from the test run:
    /// only <paramref name="environment"/>'s are set.
    /// </summary>
    public static ChildProcess Start(Uri server, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet");
        start.ArgumentList.Add(Path.Combine(BuildOutput.Of("UploadsGrpc.Cli"), "UploadsGrpc.Cli.dll"));
        start.ArgumentList.Add("--server");
        start.ArgumentList.Add(server.AbsoluteUri);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("UPLOADSGRPC_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        return ChildProcess.Start(start);
    }

    public static ChildProcess Start(Uri server, params string[] arguments) => Start(server, new Dictionary<string, string>(), arguments);
}
