namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>
/// A deployment in miniature: the standalone emulator process as the upstream, and the server process in
/// Production pointed at it with OPENAI_BASE_URL and a key. Memory read from the server's /proc is its own.
/// </summary>
public sealed class StandaloneDeployment : IAsyncLifetime
{
    public EmulatorProcess Emulator { get; private set; } = null!;

    public ServerProcess Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Emulator = await EmulatorProcess.StartAsync();
        Server = await StartServerAsync();
    }

    /// <summary>Another server on the same emulator, with extra settings (e.g. Streaming__MemoryBudgetBytes).</summary>
    public async Task<ServerProcess> StartServerAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var variables = Emulator.UpstreamVariables();
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            variables[key] = value;
        }
        return await ServerProcess.Start("Production", variables).ReadyAsync();
    }

    public Task DisposeAsync()
    {
        Server?.Dispose();
        Emulator?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>Classes that start process stacks run one after another, so size-heavy runs do not compete for the two cores.</summary>
[CollectionDefinition(Name)]
public sealed class ProcessTests
{
    public const string Name = "stack";
}
