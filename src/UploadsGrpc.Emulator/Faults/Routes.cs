namespace UploadsGrpc.Emulator.Faults;

/// <summary>The names of the <c>/v1</c> routes, as fault rules name them.</summary>
public static class Routes
{
    public const string CreateUpload = "create_upload";
    public const string AddPart = "add_part";
    public const string CompleteUpload = "complete_upload";
    public const string CancelUpload = "cancel_upload";
    public const string ListFiles = "list_files";
    public const string CreateFile = "create_file";
    public const string GetFile = "get_file";
    public const string DeleteFile = "delete_file";
    public const string FileContent = "file_content";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(
        [CreateUpload, AddPart, CompleteUpload, CancelUpload, ListFiles, CreateFile, GetFile, DeleteFile, FileContent]);
}
