using System.Net;

namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// Another content's bytes and headers, without owning it: the request that carries it disposes only this, so
/// a streamed body that was never read can go out again in the next attempt's request.
/// </summary>
/// <remarks>Its own headers start empty: whoever builds the request sets them on this content.</remarks>
internal sealed class BorrowedContent(HttpContent inner) : HttpContent
{
    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => inner.CopyToAsync(stream, context);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        inner.CopyToAsync(stream, context, cancellationToken);

    protected override bool TryComputeLength(out long length)
    {
        length = inner.Headers.ContentLength ?? -1;
        return length >= 0;
    }
}
