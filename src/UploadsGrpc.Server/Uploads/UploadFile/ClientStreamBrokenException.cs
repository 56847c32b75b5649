namespace UploadsGrpc.Server.Uploads.UploadFile;

/// <summary>Reading the client's stream failed: the client went away, not the upstream.</summary>
internal sealed class ClientStreamBrokenException(Exception inner) : Exception("The client's request stream broke off.", inner);
