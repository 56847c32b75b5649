using UploadsGrpc.V1;

namespace UploadsGrpc.Cli.Uploading;

/// <summary>What an upload reports as it goes; a live bar on a terminal, plain lines otherwise.</summary>
internal interface IUploadProgress
{
    void Started(UploadFileStarted started);

    void Progress(UploadProgress progress);

    void PartCommitted(CommittedPart part);

    void Reconnecting(int attempt, string reason);
}
