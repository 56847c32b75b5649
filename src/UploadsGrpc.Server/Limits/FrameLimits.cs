namespace UploadsGrpc.Server.Limits;

/// <summary>Each method's message limits, by request path; a method not listed gets <paramref name="otherwise"/>.</summary>
internal sealed class FrameLimits(IReadOnlyDictionary<string, MethodFrameLimit> methods, int otherwise)
{
    private readonly MethodFrameLimit _otherwise = MethodFrameLimit.Uniform(otherwise);

    /// <summary>The largest message any method takes, for grpc-dotnet's own (post-decompression) limit.</summary>
    public int Largest { get; } = methods.Values.Select(m => Math.Max(m.First, m.Later)).Append(otherwise).Max();

    public MethodFrameLimit For(string path) => methods.GetValueOrDefault(path, _otherwise);
}
