using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Errors;
using UploadsGrpc.Server.Files;
using UploadsGrpc.Server.Mapping;
using UploadsGrpc.Server.Tests.Infrastructure;
using UploadsGrpc.Server.Upstream;
using UploadsGrpc.V1;

namespace UploadsGrpc.Server.Tests.Files;

/// <summary>DownloadFile's flow against an in-process upstream: the file first, then exactly its bytes from the offset.</summary>
public sealed class FileDownloadTests : IDisposable
{
    private const string FileId = "file-abc123";
    private readonly ServiceProvider _meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly RecordingStreamWriter<DownloadFileResponse> _responses = new();

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(2_500_000)]
    [InlineData(2_621_440)]
    public async Task An_upstream_that_ignores_Range_answers_the_whole_file_and_the_head_is_skipped(int offset)
    {
        var content = Content(2_621_440);
        var handler = Upstream(content.Length, _ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(content) });

        await RunAsync(handler, offset);

        Assert.Equal(FileId, _responses.Messages[0].File.Id);
        Assert.Equal(content.Length, _responses.Messages[0].File.Bytes);
        Assert.Equal(content[offset..], Received());
        var range = handler.Requests[1].Headers.Range;
        Assert.Equal(offset > 0 ? offset : null, range?.Ranges.Single().From);
    }

    [Fact]
    public async Task A_partial_answer_for_the_range_is_sent_as_it_is()
    {
        var content = Content(100);
        var handler = Upstream(content.Length, _ =>
        {
            var partial = new ByteArrayContent(content[40..]);
            partial.Headers.ContentRange = new ContentRangeHeaderValue(40, 99, 100);
            return new HttpResponseMessage(HttpStatusCode.PartialContent) { Content = partial };
        });

        await RunAsync(handler, 40);

        Assert.Equal(content[40..], Received());
    }

    [Fact]
    public async Task Chunks_are_at_most_ChunkBytes()
    {
        var content = Content(FileDownload.ChunkBytes * 2 + 17);
        var handler = Upstream(content.Length, _ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(content) });

        await RunAsync(handler, 0);

        Assert.Equal([FileDownload.ChunkBytes, FileDownload.ChunkBytes, 17], _responses.Messages.Skip(1).Select(m => m.Chunk.Length));
    }

    [Theory]
    [InlineData(99)]
    [InlineData(101)]
    public async Task A_body_shorter_or_longer_than_the_file_is_DATA_LOSS(int sent)
    {
        var handler = Upstream(100, _ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Content(sent)) });

        var failure = await Assert.ThrowsAsync<FacadeException>(() => RunAsync(handler, 10));

        Assert.Equal(StatusCode.DataLoss, failure.Code);
        Assert.Equal(FacadeReasons.ContentLengthMismatch, failure.Reason);
        Assert.Equal($"The upstream sent {sent - 10} bytes from offset 10, but the file holds 90 from there.", failure.Message);
    }

    [Fact]
    public async Task An_offset_past_the_end_is_OUT_OF_RANGE_and_no_content_is_asked_for()
    {
        var handler = Upstream(100, _ => throw new InvalidOperationException("No content request was expected."));

        var failure = await Assert.ThrowsAsync<FacadeException>(() => RunAsync(handler, 101));

        Assert.Equal(StatusCode.OutOfRange, failure.Code);
        Assert.Equal("read_offset", failure.Field);
        Assert.Single(handler.Requests);
        Assert.Empty(_responses.Messages);
    }

    public void Dispose() => _meters.Dispose();

    private static byte[] Content(int length) => Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, length).Select(i => (char)('a' + (i % 26)))));

    /// <summary>GET files/{id} answers the file's metadata; the content request gets <paramref name="content"/>'s answer.</summary>
    private static AnsweringHandler Upstream(long bytes, Func<HttpRequestMessage, HttpResponseMessage> content) => new(request =>
        request.RequestUri!.AbsolutePath.EndsWith("/content", StringComparison.Ordinal)
            ? content(request)
            : new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(
                    $$"""{"id": "{{FileId}}", "object": "file", "bytes": {{bytes}}, "created_at": 1, "filename": "a.bin", "purpose": "batch", "status": "processed"}""",
                    Encoding.UTF8, "application/json"),
            });

    private async Task RunAsync(AnsweringHandler handler, long offset)
    {
        using var http = new HttpClient(handler) { BaseAddress = new Uri("http://upstream.test/v1/") };
        var upstream = new OpenAiUploadsClient(http, new UpstreamCallInfo(), Options.Create(new UpstreamOptions()), TimeProvider.System);
        var unknown = new UnknownEnumReporter(NullLogger<UnknownEnumReporter>.Instance, _meters.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        await new FileDownload(upstream, unknown).RunAsync(
            new DownloadFileRequest { FileId = FileId, ReadOffset = offset }, _responses,
            new FixedCallContext("/uploadsgrpc.v1.FileService/DownloadFile", CancellationToken.None));
    }

    private byte[] Received() => [.. _responses.Messages.Skip(1).SelectMany(m => m.Chunk.ToByteArray())];
}
