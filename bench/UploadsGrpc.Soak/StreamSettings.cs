namespace UploadsGrpc.Soak;

/// <summary>The UploadFile streams' shape: file sizes uniform in [MinBytes, MaxBytes], the seed, and whether uploads are resumable.</summary>
internal sealed record StreamSettings(long MinBytes, long MaxBytes, int Seed, bool Resumable);
