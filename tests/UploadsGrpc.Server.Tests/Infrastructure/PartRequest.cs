namespace UploadsGrpc.Server.Tests.Infrastructure;

/// <summary>
/// One request <see cref="ScriptedHandler"/> received: its 1-based <paramref name="Sequence"/> among all requests,
/// the first byte of the part's data (tests fill each part with its index, so this names the part), which attempt
/// at that part it is (1-based), and the length of the multipart field <c>data</c>.
/// </summary>
internal sealed record PartRequest(int Sequence, string Method, string Path, int Marker, int Attempt, int DataLength);
