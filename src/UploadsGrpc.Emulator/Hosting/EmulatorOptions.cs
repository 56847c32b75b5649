using UploadsGrpc.Emulator.Faults;

namespace UploadsGrpc.Emulator.Hosting;

/// <summary>The <c>Emulator</c> configuration section. The defaults are the real API's limits.</summary>
public sealed class EmulatorOptions
{
    public const string SectionName = "Emulator";

    /// <summary>Largest part, in bytes (64 MiB). Tests lower it to reach the limit cheaply.</summary>
    public long MaxPartBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Largest upload, in bytes (8 GiB).</summary>
    public long MaxUploadBytes { get; set; } = 8L * 1024 * 1024 * 1024;

    /// <summary>Largest file sent whole to <c>POST /files</c>, in bytes (512 MiB).</summary>
    public long MaxFileBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>How long an upload stays pending before it expires (3600 s, as the real API).</summary>
    public TimeSpan UploadLifetime { get; set; } = TimeSpan.FromSeconds(3600);

    /// <summary>Where parts and files are written; a fresh folder under the temp path when unset.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>When set, only this bearer key is accepted; otherwise any non-empty bearer key is.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How often expired uploads and files are swept from disk in the background.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Faults to inject from the start; <c>POST /_admin/faults</c> replaces them.</summary>
    public FaultPlan Faults { get; set; } = new();
}
