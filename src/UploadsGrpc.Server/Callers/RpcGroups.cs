using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Callers;

/// <summary>
/// Which group each RPC needs. Written here rather than as attributes on the services: grpc-dotnet's generated
/// bases own the method signatures, and one table keeps the contract's every method in view.
/// </summary>
internal static class RpcGroups
{
    public const string UploadsWrite = "uploads:write";
    public const string FilesRead = "files:read";
    public const string FilesWrite = "files:write";
    public const string FilesDelete = "files:delete";
    public const string Reflection = "reflection";

    /// <summary>Allows no group, for a default policy that must let nobody in by itself.</summary>
    public const string NoGroup = "none";

    /// <summary>The groups of the contract's RPCs, which a policy without Groups allows.</summary>
    public static readonly string[] Rpc = [UploadsWrite, FilesRead, FilesWrite, FilesDelete];

    public static readonly string[] Known = [.. Rpc, Reflection, NoGroup];

    private static readonly Dictionary<string, RpcRule> Rules = new(StringComparer.Ordinal)
    {
        [Method(UploadService.Descriptor.FullName, "CreateUpload")] = new(UploadsWrite, Mutating: true),
        [Method(UploadService.Descriptor.FullName, "AddUploadPart")] = new(UploadsWrite, Mutating: true),
        [Method(UploadService.Descriptor.FullName, "CompleteUpload")] = new(UploadsWrite, Mutating: true),
        [Method(UploadService.Descriptor.FullName, "CancelUpload")] = new(UploadsWrite, Mutating: true),
        [Method(UploadService.Descriptor.FullName, "UploadFile")] = new(UploadsWrite, Mutating: true),
        [Method(FileService.Descriptor.FullName, "GetFile")] = new(FilesRead, Mutating: false),
        [Method(FileService.Descriptor.FullName, "ListFiles")] = new(FilesRead, Mutating: false),
        [Method(FileService.Descriptor.FullName, "DownloadFile")] = new(FilesRead, Mutating: false),
        [Method(FileService.Descriptor.FullName, "CreateFile")] = new(FilesWrite, Mutating: true),
        [Method(FileService.Descriptor.FullName, "DeleteFile")] = new(FilesDelete, Mutating: true),
    };

    /// <summary>
    /// The rule of a method: health is open (probes and load balancers carry no credential); reflection needs its
    /// group unless <paramref name="reflectionOpen"/>; any other method of ours is in the table, and one that is not is refused.
    /// </summary>
    public static RpcRule For(string method, bool reflectionOpen)
    {
        if (Rules.TryGetValue(method, out var rule))
        {
            return rule;
        }
        if (method.StartsWith("/grpc.health.v1.Health/", StringComparison.Ordinal))
        {
            return RpcRule.Open;
        }
        if (method.StartsWith("/grpc.reflection.", StringComparison.Ordinal))
        {
            return reflectionOpen ? RpcRule.Open : new(Reflection, Mutating: false);
        }
        return new(NoGroup, Mutating: false);
    }

    private static string Method(string service, string name) => $"/{service}/{name}";
}
