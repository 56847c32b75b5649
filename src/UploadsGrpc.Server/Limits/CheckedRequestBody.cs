using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace UploadsGrpc.Server.Limits;

/// <summary>The request body feature that hands grpc-dotnet the <see cref="FrameCheckingReader"/> instead of Kestrel's reader.</summary>
internal sealed class CheckedRequestBody(PipeReader reader) : IRequestBodyPipeFeature
{
    public PipeReader Reader { get; } = reader;
}
