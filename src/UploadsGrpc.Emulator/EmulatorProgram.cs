using UploadsGrpc.Emulator.Hosting;

namespace UploadsGrpc.Emulator;

/// <summary>The standalone emulator: <c>dotnet run --project src/UploadsGrpc.Emulator -- --urls http://127.0.0.1:PORT</c>.</summary>
public static class EmulatorProgram
{
    public static async Task<int> Main(string[] args)
    {
        var app = EmulatorApplication.Create(args);
        await app.RunAsync();
        return 0;
    }
}
