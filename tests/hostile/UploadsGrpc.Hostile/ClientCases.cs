using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using UploadsGrpc.V1;
using static UploadsGrpc.Hostile.CaseContext;

namespace UploadsGrpc.Hostile;

/// <summary>
/// Client-side cases: what a caller can send. Validation refusals must reach no upstream; malformed bytes must be
/// INVALID_ARGUMENT MALFORMED_MESSAGE or INTERNAL MALFORMED_FRAME; bounds must answer with their own reasons.
/// </summary>
internal static class ClientCases
{
    private static Expect Invalid(string field) => new(StatusCode.InvalidArgument, "INVALID_ARGUMENT") { Field = field, NoUpstream = true };

    private static Expect Malformed(string type) => new(StatusCode.InvalidArgument, "MALFORMED_MESSAGE") { NoUpstream = true, MessageContains = type };

    private static Expect BadFrame() => new(StatusCode.Internal, "MALFORMED_FRAME") { NoUpstream = true };

    private static Expect TooLarge() => new(StatusCode.ResourceExhausted, "MESSAGE_TOO_LARGE") { NoUpstream = true, Retry = false, MetadataKey = "limit_bytes" };

    private static readonly Expect Ok = new(StatusCode.OK);

    /// <summary>What grpc-dotnet answers a request whose content type is not application/grpc: HTTP 415 with grpc-status INTERNAL.</summary>
    private const string Refused415 = "HTTP 415 - grpc-status Internal";

    /// <summary>What Kestrel answers HTTP/1.1 on an HTTP/2-only cleartext port: 400 and the connection closed.</summary>
    private const string Http1Refused = "HTTP/1.1 400 Bad Request, closed";

    /// <summary>The RPCs that take an id, and how each is called with one.</summary>
    private static readonly (string Name, string Field, Func<CaseContext, string, Task<Outcome>> Call)[] IdRpcs =
    [
        ("cancel", "upload_id", (c, id) => c.Unary(o => c.Uploads.CancelUploadAsync(new CancelUploadRequest { UploadId = id }, o))),
        ("part", "upload_id", (c, id) => c.Unary(o => c.Uploads.AddUploadPartAsync(new AddUploadPartRequest { UploadId = id, Data = ByteString.CopyFromUtf8("x") }, o))),
        ("complete", "upload_id", (c, id) => c.Unary(o => c.Uploads.CompleteUploadAsync(new CompleteUploadRequest { UploadId = id, PartIds = { "part_" + c.Tag } }, o))),
        ("complete-part", "part_ids[0]", (c, id) => c.Unary(o => c.Uploads.CompleteUploadAsync(new CompleteUploadRequest { UploadId = c.UploadId, PartIds = { id } }, o))),
        ("get", "file_id", (c, id) => c.Unary(o => c.Files.GetFileAsync(new GetFileRequest { FileId = id }, o))),
        ("delete", "file_id", (c, id) => c.Unary(o => c.Files.DeleteFileAsync(new DeleteFileRequest { FileId = id }, o))),
        ("download", "file_id", (c, id) => c.Download(new DownloadFileRequest { FileId = id })),
    ];

    /// <summary>Raw-channel methods, their request type, and the tag of a string field to put bad UTF-8 in.</summary>
    private static readonly (string Method, string Type, byte StringTag)[] RawMethods =
    [
        ("UploadService/CreateUpload", "CreateUploadRequest", 0x0A),
        ("UploadService/AddUploadPart", "AddUploadPartRequest", 0x0A),
        ("UploadService/CompleteUpload", "CompleteUploadRequest", 0x0A),
        ("UploadService/CancelUpload", "CancelUploadRequest", 0x0A),
        ("FileService/GetFile", "GetFileRequest", 0x0A),
        ("FileService/ListFiles", "ListFilesRequest", 0x12),
        ("FileService/DeleteFile", "DeleteFileRequest", 0x0A),
        ("FileService/DownloadFile", "DownloadFileRequest", 0x0A),
    ];

    private static readonly (string Name, Func<byte, byte[]> Bytes)[] Garbage =
    [
        ("garbage", _ => [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
        ("truncated-varint", _ => [0x08, 0xFF, 0xFF]),
        ("bad-wire-type", _ => [0x0F, 0x01]),
        ("bad-nested-length", t => [t, 0x64, (byte)'a', (byte)'b']),
        ("invalid-utf8", t => [t, 0x04, 0xC3, 0x28, 0xFF, 0xFE]),
        ("field-zero", _ => [0x00, 0x01]),
        ("stray-end-group", _ => [0x0C]),
    ];

    public static List<Case> All(HostileUpstream elsewhere)
    {
        _ = elsewhere;
        var cases = new List<Case>();

        // Ids the validator must refuse, on every RPC that takes one.
        (string Name, string Id)[] badIds =
        [
            ("empty", ""), ("dot", "."), ("dotdot", ".."), ("257-chars", new string('i', 257)),
            ("c0-control", "file\u0001x"), ("del-control", "file\u007fx"), ("c1-control", "file\u009fx"),
        ];
        foreach (var (rpc, field, call) in IdRpcs)
        {
            foreach (var (name, id) in badIds)
            {
                cases.Add(new Case($"client/id/{rpc}/{name}", c => call(c, id), Invalid(field)));
            }
        }

        // Ids that are fine: one percent-encoded path segment upstream, the call answered.
        (string Name, Func<string, string> Id)[] goodIds =
        [
            ("slash", t => $"upload_{t}/x"), ("dots-inside", t => $"upload_{t}.v2.."), ("unicode", t => $"upload_{t}_ファイル"),
            ("dotdot-prefix", t => $"../upload_{t}"), ("percent", t => $"%2e%2e_{t}"), ("query-chars", t => $"upload_{t}?x=1#f"),
            ("space", t => $"upload_{t} x"), ("256-chars", t => ("upload_" + t).PadRight(256, 'z')),
        ];
        foreach (var (name, id) in goodIds)
        {
            cases.Add(new Case($"client/id/cancel/ok-{name}", c => c.Unary(o => c.Uploads.CancelUploadAsync(new CancelUploadRequest { UploadId = id(c.Tag) }, o)), Ok)
                .Check((c, _) =>
                {
                    var want = $"/v1/uploads/{Uri.EscapeDataString(id(c.Tag))}/cancel";
                    var got = c.Requests("cancel").Select(r => r.Target).ToList();
                    return got.Count == 1 && got[0] == want ? null : $"upstream target {string.Join(",", got)}, expected {want}";
                }));
        }

        // Sizes.
        foreach (var (name, bytes) in new (string, long)[] { ("negative", -1), ("zero", 0), ("8GiB+1", (8L << 30) + 1), ("int64-max", long.MaxValue), ("int64-min", long.MinValue) })
        {
            cases.Add(new Case($"client/size/create-upload/{name}", c => c.Unary(o => c.Uploads.CreateUploadAsync(c.Create(bytes), o)), Invalid("bytes")));
            cases.Add(new Case($"client/size/upload-file/{name}", c => c.UploadFile([Meta(c.Metadata(bytes))]), Invalid("metadata.bytes")));
        }
        cases.Add(new Case("client/size/create-upload/8GiB-ok", c => c.Unary(o => c.Uploads.CreateUploadAsync(c.Create(8L << 30), o)), Ok));
        foreach (var (name, bytes) in new (string, long)[] { ("negative", -1), ("zero", 0), ("512MiB+1", (512L << 20) + 1), ("int64-max", long.MaxValue) })
        {
            cases.Add(new Case($"client/size/create-file/{name}", c => c.CreateFile([new CreateFileRequest { Metadata = c.FileMetadata(bytes) }]), Invalid("metadata.bytes")));
        }
        foreach (var (name, seconds) in new (string, long)[] { ("zero", 0), ("negative", -1), ("int64-min", long.MinValue) })
        {
            cases.Add(new Case($"client/size/expires-after/{name}", c => c.Unary(o =>
            {
                var request = c.Create();
                request.ExpiresAfter = new ExpiresAfter { Anchor = "created_at", Seconds = seconds };
                return c.Uploads.CreateUploadAsync(request, o);
            }), Invalid("expires_after.seconds")));
        }
        foreach (var (name, size) in new (string, int)[] { ("negative", -1), ("one-byte", 1), ("64MiB+1", (64 << 20) + 1), ("int32-max", int.MaxValue) })
        {
            cases.Add(new Case($"client/size/part-size/{name}", c => c.UploadFile([Meta(With(c.Metadata(), m => m.PartSize = size))]), Invalid("metadata.part_size")));
        }
        foreach (var (name, parallelism) in new (string, int)[] { ("17", 17), ("negative", -1), ("int32-min", int.MinValue) })
        {
            cases.Add(new Case($"client/size/parallelism/{name}", c => c.UploadFile([Meta(With(c.Metadata(), m => m.Parallelism = parallelism))]), Invalid("metadata.parallelism")));
        }
        foreach (var (name, offset) in new (string, long)[] { ("negative", -1), ("int64-min", long.MinValue) })
        {
            cases.Add(new Case($"client/size/read-offset/{name}", c => c.Download(new DownloadFileRequest { FileId = c.FileId, ReadOffset = offset }), Invalid("read_offset")));
        }
        cases.Add(new Case("client/size/read-offset/int64-max", c => c.Download(new DownloadFileRequest { FileId = c.FileId, ReadOffset = long.MaxValue }),
            new Expect(StatusCode.OutOfRange, "OUT_OF_RANGE") { Field = "read_offset" }));
        foreach (var (name, size) in new (string, int)[] { ("negative", -1), ("10001", 10_001), ("int32-max", int.MaxValue), ("int32-min", int.MinValue) })
        {
            cases.Add(new Case($"client/size/page-size/{name}", c => c.Unary(o => c.Files.ListFilesAsync(new ListFilesRequest { PageSize = size }, o)), Invalid("page_size")));
        }
        cases.Add(new Case("client/page-token/garbage", c => c.Unary(o => c.Files.ListFilesAsync(new ListFilesRequest { PageToken = "!!not-a-token!!" }, o)), Invalid("page_token")));
        cases.Add(new Case("client/page-token/foreign", c => c.Unary(o => c.Files.ListFilesAsync(new ListFilesRequest { PageToken = Convert.ToBase64String(Encoding.UTF8.GetBytes("2\nx\ny")) }, o)), Invalid("page_token")));

        // Enums a client does not have.
        cases.Add(new Case("client/enum/create-purpose-99", c => c.Unary(o => c.Uploads.CreateUploadAsync(With(c.Create(), r => r.Purpose = (FilePurpose)99), o)), Invalid("purpose")));
        cases.Add(new Case("client/enum/create-purpose-negative", c => c.Unary(o => c.Uploads.CreateUploadAsync(With(c.Create(), r => r.Purpose = (FilePurpose)(-7)), o)), Invalid("purpose")));
        cases.Add(new Case("client/enum/list-order-7", c => c.Unary(o => c.Files.ListFilesAsync(new ListFilesRequest { Order = (SortOrder)7 }, o)), Invalid("order")));
        cases.Add(new Case("client/enum/list-purpose-42", c => c.Unary(o => c.Files.ListFilesAsync(new ListFilesRequest { Purpose = (FilePurpose)42 }, o)), Invalid("purpose")));
        cases.Add(new Case("client/enum/upload-file-purpose-99", c => c.UploadFile([Meta(With(c.Metadata(), m => m.Purpose = (FilePurpose)99))]), Invalid("metadata.purpose")));
        cases.Add(new Case("client/enum/create-file-purpose-negative", c => c.CreateFile([new CreateFileRequest { Metadata = With(c.FileMetadata(), m => m.Purpose = (FilePurpose)(-5)) }]), Invalid("metadata.purpose")));
        cases.Add(new Case("client/enum/purpose-value-contradicts", c => c.Unary(o => c.Uploads.CreateUploadAsync(With(c.Create(), r => r.PurposeValue = "fine-tune"), o)), Invalid("purpose_value")));

        // Missing required fields.
        cases.Add(new Case("client/missing/create-filename", c => c.Unary(o => c.Uploads.CreateUploadAsync(With(c.Create(), r => r.Filename = ""), o)), Invalid("filename")));
        cases.Add(new Case("client/missing/create-filename-blank", c => c.Unary(o => c.Uploads.CreateUploadAsync(With(c.Create(), r => r.Filename = " \t "), o)), Invalid("filename")));
        cases.Add(new Case("client/missing/create-mime-type", c => c.Unary(o => c.Uploads.CreateUploadAsync(With(c.Create(), r => r.MimeType = ""), o)), Invalid("mime_type")));
        cases.Add(new Case("client/missing/create-purpose", c => c.Unary(o => c.Uploads.CreateUploadAsync(With(c.Create(), r => r.Purpose = FilePurpose.Unspecified), o)), Invalid("purpose")));
        cases.Add(new Case("client/missing/create-everything", c => c.Unary(o => c.Uploads.CreateUploadAsync(new CreateUploadRequest(), o)), Invalid("bytes")));
        cases.Add(new Case("client/missing/complete-part-ids", c => c.Unary(o => c.Uploads.CompleteUploadAsync(new CompleteUploadRequest { UploadId = c.UploadId }, o)), Invalid("part_ids")));
        cases.Add(new Case("client/missing/complete-second-part-id", c => c.Unary(o => c.Uploads.CompleteUploadAsync(new CompleteUploadRequest { UploadId = c.UploadId, PartIds = { "part_a", "" } }, o)), Invalid("part_ids[1]")));
        cases.Add(new Case("client/bad/complete-md5-short", c => c.Unary(o => c.Uploads.CompleteUploadAsync(new CompleteUploadRequest { UploadId = c.UploadId, PartIds = { "part_a" }, Md5 = "xyz" }, o)), Invalid("md5")));
        cases.Add(new Case("client/bad/complete-md5-33-hex", c => c.Unary(o => c.Uploads.CompleteUploadAsync(new CompleteUploadRequest { UploadId = c.UploadId, PartIds = { "part_a" }, Md5 = new string('a', 33) }, o)), Invalid("md5")));
        cases.Add(new Case("client/bad/upload-file-md5", c => c.UploadFile([Meta(With(c.Metadata(), m => m.Md5 = "not-an-md5"))]), Invalid("metadata.md5")));
        cases.Add(new Case("client/missing/part-data", c => c.Unary(o => c.Uploads.AddUploadPartAsync(new AddUploadPartRequest { UploadId = c.UploadId }, o)), Invalid("data")));
        cases.Add(new Case("client/missing/upload-file-metadata-first", c => c.UploadFile([Chunk(8)]), Invalid("metadata")));
        cases.Add(new Case("client/missing/upload-file-empty-stream", c => c.UploadFile([]), Invalid("metadata")));
        cases.Add(new Case("client/missing/upload-file-filename", c => c.UploadFile([Meta(With(c.Metadata(), m => m.Filename = ""))]), Invalid("metadata.filename")));
        cases.Add(new Case("client/missing/upload-file-mime-type", c => c.UploadFile([Meta(With(c.Metadata(), m => m.MimeType = ""))]), Invalid("metadata.mime_type")));
        cases.Add(new Case("client/missing/create-file-metadata-first", c => c.CreateFile([new CreateFileRequest { Chunk = ByteString.CopyFromUtf8("12345678") }]), Invalid("metadata")));
        cases.Add(new Case("client/missing/create-file-mime-type", c => c.CreateFile([new CreateFileRequest { Metadata = With(c.FileMetadata(), m => m.MimeType = "") }]), Invalid("metadata.mime_type")));
        cases.Add(new Case("client/stream/upload-file-metadata-twice", c => c.UploadFile([Meta(c.Metadata()), Meta(c.Metadata())]),
            new Expect(StatusCode.InvalidArgument, "INVALID_ARGUMENT") { Field = "metadata" }).Check(CancelledUpstream));
        cases.Add(new Case("client/stream/upload-file-more-bytes-than-said", c => c.UploadFile([Meta(c.Metadata(4)), Chunk(8)]),
            new Expect(StatusCode.InvalidArgument, "INVALID_ARGUMENT") { Field = "bytes" }).Check(CancelledUpstream));

        // Filenames past Limits:MaxFilenameBytes (1024 UTF-8 bytes), and one just at it.
        cases.Add(new Case("client/filename/create-1025-ascii", c => c.Unary(o => c.Uploads.CreateUploadAsync(With(c.Create(), r => r.Filename = new string('n', 1025)), o)), Invalid("filename")));
        cases.Add(new Case("client/filename/create-342-cjk-1026-bytes", c => c.Unary(o => c.Uploads.CreateUploadAsync(With(c.Create(), r => r.Filename = string.Concat(Enumerable.Repeat("フ", 342))), o)), Invalid("filename")));
        cases.Add(new Case("client/filename/create-1024-ok", c => c.Unary(o => c.Uploads.CreateUploadAsync(With(c.Create(), r => r.Filename = ("f_" + c.Tag).PadRight(1024, 'n')), o)), Ok));
        cases.Add(new Case("client/filename/upload-file-1025", c => c.UploadFile([Meta(With(c.Metadata(), m => m.Filename = new string('n', 1025)))]), Invalid("metadata.filename")));
        // A 2 MiB filename makes the metadata message itself larger than Limits:MaxMessageBytes: refused before it is read.
        cases.Add(new Case("client/filename/upload-file-2MiB", c => c.UploadFile([Meta(With(c.Metadata(), m => m.Filename = new string('n', 2 << 20)))]), TooLarge()));
        // CreateFile reads its chunks while HttpClient streams the upstream body: a refused chunk is still the
        // caller's error, not a transport failure (the upstream request has started, so it is aborted).
        cases.Add(new Case("client/size/message/create-file-5MiB-chunk", c => c.CreateFile([new CreateFileRequest { Metadata = c.FileMetadata() }, new CreateFileRequest { Chunk = ByteString.CopyFrom(new byte[5 << 20]) }]),
            TooLarge() with { NoUpstream = false }));
        cases.Add(new Case("client/filename/create-file-2000", c => c.CreateFile([new CreateFileRequest { Metadata = With(c.FileMetadata(), m => m.Filename = new string('n', 2000)) }, new CreateFileRequest { Chunk = ByteString.CopyFromUtf8("12345678") }]), Invalid("metadata.filename")));

        // Malformed protobuf on the raw channel, for every unary and server-streaming method.
        foreach (var (method, type, stringTag) in RawMethods)
        {
            foreach (var (name, bytes) in Garbage)
            {
                cases.Add(new Case($"client/protobuf/{method.Split('/')[1]}/{name}", c => c.Raw(method, RawGrpc.Frame(bytes(stringTag))), Malformed(type)));
            }
        }
        cases.Add(new Case("client/protobuf/UploadFile/first-message-garbage", c => c.Raw("UploadService/UploadFile", RawGrpc.Frame([0xFF, 0xFF, 0xFF, 0xFF])), Malformed("UploadFileRequest")));
        cases.Add(new Case("client/protobuf/CreateFile/first-message-garbage", c => c.Raw("FileService/CreateFile", RawGrpc.Frame([0x0A, 0x64, 0x01])), Malformed("CreateFileRequest")));
        foreach (var resumable in new[] { false, true })
        {
            var kind = resumable ? "resumable" : "non-resumable";
            cases.Add(new Case($"client/protobuf/UploadFile/garbage-after-metadata-{kind}",
                c => c.Raw("UploadService/UploadFile", RawGrpc.Concat(RawGrpc.Frame(Meta(c.Metadata(resumable: resumable)).ToByteArray()), RawGrpc.Frame([0x12, 0x64, 0x01]))),
                new Expect(StatusCode.InvalidArgument, "MALFORMED_MESSAGE") { MessageContains = "UploadFileRequest" }).Check(CreatedThenCancelled));
            cases.Add(new Case($"client/frame/UploadFile/truncated-after-metadata-{kind}",
                c => c.Raw("UploadService/UploadFile", RawGrpc.Concat(RawGrpc.Frame(Meta(c.Metadata(resumable: resumable)).ToByteArray()), RawGrpc.Frame(Chunk(8).ToByteArray(), length: 400))),
                new Expect(StatusCode.Internal, "MALFORMED_FRAME")).Check(CreatedThenCancelled));
        }

        // Frames.
        byte[] Cancel(CaseContext c) => new CancelUploadRequest { UploadId = c.UploadId }.ToByteArray();
        cases.Add(new Case("client/frame/compressed-flag-without-encoding", c => c.Raw("UploadService/CancelUpload", RawGrpc.Frame(Cancel(c), compressed: true)), BadFrame()));
        // A gzip header, then a deflate block of the reserved type 3: zlib refuses it.
        cases.Add(new Case("client/frame/bad-gzip", c => c.Raw("UploadService/CancelUpload", RawGrpc.Frame([0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xFF, 0x07, 0x00, 0x00], compressed: true), headers: [("grpc-encoding", "gzip")]), BadFrame()));
        // A gzip cut short inside its header: .NET's inflater returns the bytes it has (none), so the message is
        // empty and validation names its field (README says a cut gzip is not detected as such).
        cases.Add(new Case("client/frame/gzip-cut-short", c => c.Raw("UploadService/CancelUpload", RawGrpc.Frame([0x1F, 0x8B, 0x08, 0x00, 0xDE, 0xAD, 0xBE, 0xEF], compressed: true), headers: [("grpc-encoding", "gzip")]),
            new Expect(StatusCode.InvalidArgument, "INVALID_ARGUMENT") { Field = "upload_id", NoUpstream = true }));
        cases.Add(new Case("client/frame/gzip-of-garbage", c => c.Raw("UploadService/CancelUpload", RawGrpc.Frame(RawGrpc.Gzip([0xFF, 0xFF, 0xFF, 0xFF]), compressed: true), headers: [("grpc-encoding", "gzip")]), Malformed("CancelUploadRequest")));
        // A gzip bomb: 2 MiB of zeros in about 2 KiB, to a method whose messages may be 1 MiB. It inflates only to the
        // method's own limit, and its frame holds that much of the memory budget while it is read.
        cases.Add(new Case("client/frame/gzip-bomb-past-the-method-limit", c => c.Raw("UploadService/CancelUpload", RawGrpc.Frame(RawGrpc.Gzip(new byte[2 << 20]), compressed: true), headers: [("grpc-encoding", "gzip")]), TooLarge())
            .Check((c, o) => o.Info?.Metadata.TryGetValue("limit_bytes", out var limit) == true && limit == "1048576" ? null : "limit_bytes is not CancelUpload's 1048576"));
        cases.Add(new Case("client/frame/gzip-ok", c => c.Raw("UploadService/CancelUpload", RawGrpc.Frame(RawGrpc.Gzip(Cancel(c)), compressed: true), headers: [("grpc-encoding", "gzip")]), Ok));
        cases.Add(new Case("client/frame/unknown-encoding-compressed", c => c.Raw("UploadService/CancelUpload", RawGrpc.Frame(Cancel(c), compressed: true), headers: [("grpc-encoding", "snappy-hostile")]),
            new Expect(StatusCode.Unimplemented, "UNSUPPORTED_ENCODING") { NoUpstream = true }));
        cases.Add(new Case("client/frame/unknown-encoding-uncompressed-ok", c => c.Raw("UploadService/CancelUpload", RawGrpc.Frame(Cancel(c)), headers: [("grpc-encoding", "snappy-hostile")]), Ok));
        cases.Add(new Case("client/frame/truncated-body", c => c.Raw("UploadService/CancelUpload", RawGrpc.Frame(Cancel(c), length: 200)), BadFrame()));
        cases.Add(new Case("client/frame/partial-header", c => c.Raw("UploadService/CancelUpload", [0x00, 0x00, 0x00]), BadFrame()));
        cases.Add(new Case("client/frame/length-prefix-uint32-max", c => c.Raw("UploadService/CancelUpload", RawGrpc.Frame(Cancel(c), length: uint.MaxValue)), TooLarge()));
        cases.Add(new Case("client/frame/length-prefix-2MiB", c => c.Raw("FileService/GetFile", RawGrpc.Frame(new GetFileRequest { FileId = c.FileId }.ToByteArray(), length: 2u << 20)), TooLarge()));
        cases.Add(new Case("client/frame/UploadFile/compressed-flag-without-encoding", c => c.Raw("UploadService/UploadFile", RawGrpc.Frame(Meta(c.Metadata()).ToByteArray(), compressed: true)), BadFrame()));

        // Oversized messages.
        cases.Add(new Case("client/size/message/create-upload-2MiB-filename", c => c.Unary(o => c.Uploads.CreateUploadAsync(With(c.Create(), r => r.Filename = new string('n', 2 << 20)), o)), TooLarge()));
        cases.Add(new Case("client/size/message/get-file-1.5MiB-id", c => c.Unary(o => c.Files.GetFileAsync(new GetFileRequest { FileId = new string('i', 3 << 19) }, o)), TooLarge()));
        cases.Add(new Case("client/size/message/complete-150k-part-ids", c => c.Unary(o =>
        {
            var request = new CompleteUploadRequest { UploadId = c.UploadId };
            request.PartIds.AddRange(Enumerable.Range(0, 150_000).Select(i => $"part_{i:D7}"));
            return c.Uploads.CompleteUploadAsync(request, o);
        }), TooLarge()));
        cases.Add(new Case("client/size/message/list-files-1.1MiB-token", c => c.Unary(o => c.Files.ListFilesAsync(new ListFilesRequest { PageToken = new string('t', 1100 << 10) }, o)), TooLarge()));
        cases.Add(new Case("client/size/message/add-part-64MiB+4KiB", c => c.Unary(o => c.Uploads.AddUploadPartAsync(new AddUploadPartRequest { UploadId = c.UploadId, Data = ByteString.CopyFrom(new byte[(64 << 20) + 4096]) }, o)), TooLarge()));
        cases.Add(new Case("client/size/message/upload-file-5MiB-chunk", c => c.UploadFile([Meta(c.Metadata(5 << 20)), Chunk(5 << 20)]),
            new Expect(StatusCode.ResourceExhausted, "MESSAGE_TOO_LARGE") { Retry = false, MetadataKey = "limit_bytes" }));
        // Streaming:MemoryBudgetBytes is 128 MiB in this run: one stream holding 2 x 64 MiB takes it all, the next waits
        // Streaming:MemoryWait (1 s) and is refused before anything goes upstream.
        cases.Add(new Case("client/memory/upload-file-budget-taken", async c =>
        {
            using var holder = c.Uploads.UploadFile(cancellationToken: new CancellationTokenSource(TimeSpan.FromSeconds(4)).Token);
            await holder.RequestStream.WriteAsync(Meta(With(c.Metadata(128L << 20), m => { m.PartSize = 64 << 20; m.Parallelism = 2; })));
            await Task.Delay(300);
            return await c.UploadFile([Meta(With(c.Metadata(64L << 20), m => m.PartSize = 64 << 20))], complete: false, bound: TimeSpan.FromSeconds(5));
        }, new Expect(StatusCode.ResourceExhausted, "STREAM_MEMORY_EXHAUSTED") { Retry = true })
            .Check((c, o) => c.Requests("create").Any(r => r.Body.Contains("\"bytes\":67108864", StringComparison.Ordinal)) ? "the refused stream reached the upstream" : null));

        // Unary parts count against the same budget: two 60 MiB parts held upstream take 120 of its 128 MiB, a third is
        // refused with a RetryInfo rather than admitted past it.
        cases.Add(new Case("client/memory/add-part-budget-taken", async c =>
        {
            c.On("part", e => e.HangAsync());
            var data = ByteString.CopyFrom(new byte[60 << 20]);
            using var holders = new CancellationTokenSource(TimeSpan.FromSeconds(6));
            // A deadline, so Upstream:RequestTimeout (3 s) does not release them before the third has waited its turn.
            var held = Enumerable.Range(0, 2).Select(_ => c.Uploads.AddUploadPartAsync(new AddUploadPartRequest { UploadId = c.UploadId, Data = data },
                deadline: DateTime.UtcNow.AddSeconds(7), cancellationToken: holders.Token)).ToList();
            await c.Upstream.WaitForAsync(c.Tag, "part", TimeSpan.FromSeconds(3));
            await Task.Delay(500);
            var outcome = await c.Unary(o => c.Uploads.AddUploadPartAsync(new AddUploadPartRequest { UploadId = c.UploadId, Data = data }, o), cancelAfter: TimeSpan.FromSeconds(5));
            await holders.CancelAsync();
            foreach (var call in held)
            {
                try
                {
                    await call.ResponseAsync;
                }
                catch (RpcException)
                {
                }
                call.Dispose();
            }
            return outcome;
        }, new Expect(StatusCode.ResourceExhausted, "MEMORY_EXHAUSTED") { Retry = true })
            .Check((c, o) => c.Requests("part").Count <= 2 ? null : $"{c.Requests("part").Count} parts reached the upstream; the third must be refused before"));

        // Wrong content types (whatever the framework does, exactly) and no content type.
        foreach (var (name, type, transport) in new (string, string?, string)[]
        {
            ("json", "application/json", Refused415), ("text", "text/plain", Refused415), ("none", null, Refused415),
            ("grpc-web", "application/grpc-web", Refused415),
        })
        {
            cases.Add(new Case($"client/content-type/{name}", c => c.Raw("UploadService/CancelUpload", RawGrpc.Frame(Cancel(c)), contentType: type),
                new Expect(StatusCode.Unknown) { Transport = transport, NoUpstream = true }));
        }
        // grpc-dotnet reads any application/grpc+<subtype> as protobuf: the call is served.
        cases.Add(new Case("client/content-type/grpc+json-served-as-protobuf", c => c.Raw("UploadService/CancelUpload", RawGrpc.Frame(Cancel(c)), contentType: "application/grpc+json"),
            new Expect(StatusCode.Unknown) { Transport = "HTTP 200 application/grpc grpc-status OK" }));

        // HTTP/1.1 and other non-HTTP/2 bytes on the gRPC port.
        foreach (var (name, text, transport) in new (string, string, string)[]
        {
            ("http1-post", "POST /uploadsgrpc.v1.UploadService/CancelUpload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/grpc\r\nContent-Length: 5\r\n\r\n\0\0\0\0\0", Http1Refused),
            ("http1-get", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", Http1Refused),
            ("http1-upgrade-h2c", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n", Http1Refused),
            ("h2-preface-then-garbage", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", "h2 SETTINGS WINDOW_UPDATE GOAWAY(6), closed"),
            // Ten bytes of a TLS ClientHello: Kestrel waits for the rest of the 24-byte HTTP/2 preface, answering nothing.
            ("tls-hello-on-cleartext", "\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00", "nothing, left open"),
        })
        {
            cases.Add(new Case($"client/port/{name}", c => RawGrpc.SocketAsync(c.Server.Address, Encoding.Latin1.GetBytes(text), TimeSpan.FromSeconds(3)),
                new Expect(StatusCode.Unknown) { Transport = transport, NoUpstream = true }));
        }

        // Unknown methods and paths.
        foreach (var (name, path) in new (string, string)[]
        {
            ("method", "/uploadsgrpc.v1.UploadService/Nope"), ("service", "/uploadsgrpc.v9.Nope/Call"), ("v1-rest-path", "/v1/uploads"),
        })
        {
            cases.Add(new Case($"client/unknown/{name}", c => c.RawPath(path, RawGrpc.Frame([])),
                new Expect(StatusCode.Unimplemented, "UNKNOWN_METHOD") { NoUpstream = true }));
        }
        // Paths that are no /service/method at all, and GET: ASP.NET Core's routing answers 404 before gRPC.
        cases.Add(new Case("client/unknown/empty-method", c => c.RawPath("/uploadsgrpc.v1.UploadService/", RawGrpc.Frame([])), new Expect(StatusCode.Unknown) { Transport = "HTTP 404 -", NoUpstream = true }));
        cases.Add(new Case("client/unknown/root", c => c.RawPath("/", RawGrpc.Frame([])), new Expect(StatusCode.Unknown) { Transport = "HTTP 404 -", NoUpstream = true }));
        cases.Add(new Case("client/unknown/get-on-a-method", c => c.Raw("UploadService/CancelUpload", [], httpMethod: "GET"),
            new Expect(StatusCode.Unknown) { Transport = "HTTP 404 -", NoUpstream = true }));

        // Deadlines and cancels. grpc-dotnet's own deadline timer ends a call past its deadline before the handler's
        // error mapper runs, and completes the response, so that status has no ErrorInfo (README says so).
        cases.Add(new Case("client/deadline/1ns", c => c.Raw("UploadService/CancelUpload", RawGrpc.Frame(Cancel(c)), headers: [("grpc-timeout", "1n")]),
            new Expect(StatusCode.DeadlineExceeded, "DEADLINE_EXCEEDED")));
        cases.Add(new Case("client/deadline/upstream-hangs-1s", c =>
        {
            c.On("cancel", e => e.HangAsync());
            return c.Raw("UploadService/CancelUpload", RawGrpc.Frame(Cancel(c)), headers: [("grpc-timeout", "1S")]);
        }, new Expect(StatusCode.DeadlineExceeded, "DEADLINE_EXCEEDED") { InfoOptional = true }).Check(AbortedUpstream("cancel")));
        cases.Add(new Case("client/deadline/garbage-timeout-ignored", c => c.Raw("UploadService/CancelUpload", RawGrpc.Frame(Cancel(c)), headers: [("grpc-timeout", "soon")]), Ok));
        cases.Add(new Case("client/deadline/1ms-upstream-slow", c =>
        {
            c.On("cancel", async e =>
            {
                await Task.Delay(300);
                await e.HappyAsync();
            });
            return c.Raw("UploadService/CancelUpload", RawGrpc.Frame(Cancel(c)), headers: [("grpc-timeout", "1m")]);
        }, new Expect(StatusCode.DeadlineExceeded, "DEADLINE_EXCEEDED") { InfoOptional = true }));
        cases.Add(new Case("client/cancel/unary-upstream-hangs", c =>
        {
            c.On("cancel", e => e.HangAsync());
            return c.Unary(o => c.Uploads.CancelUploadAsync(new CancelUploadRequest { UploadId = c.UploadId }, o), cancelAfter: TimeSpan.FromMilliseconds(700));
        }, new Expect(StatusCode.Cancelled) { InfoOptional = true, QuietLog = true }).Check(AbortedUpstream("cancel")));
        cases.Add(new Case("client/cancel/upload-file-before-first-message", c => c.UploadFile([null], complete: false, cancelAfter: TimeSpan.FromMilliseconds(300)),
            new Expect(StatusCode.Cancelled) { InfoOptional = true, NoUpstream = true, QuietLog = true }));
        cases.Add(new Case("client/cancel/upload-file-after-metadata", c => c.UploadFile([Meta(c.Metadata()), null, null], complete: false, cancelAfter: TimeSpan.FromMilliseconds(800)),
            new Expect(StatusCode.Cancelled) { InfoOptional = true, QuietLog = true }).Check(CancelledUpstream));
        cases.Add(new Case("client/cancel/upload-file-after-metadata-resumable", c => c.UploadFile([Meta(c.Metadata(resumable: true)), null, null], complete: false, cancelAfter: TimeSpan.FromMilliseconds(800)),
            new Expect(StatusCode.Cancelled) { InfoOptional = true, QuietLog = true }).Check(LeftPending));
        cases.Add(new Case("client/cancel/upload-file-mid-chunks", c => c.UploadFile([Meta(c.Metadata(64)), Chunk(8), null, Chunk(8), null], complete: false, cancelAfter: TimeSpan.FromMilliseconds(900)),
            new Expect(StatusCode.Cancelled) { InfoOptional = true, QuietLog = true }).Check(CancelledUpstream));
        cases.Add(new Case("client/disconnect/upload-file-connection-dropped", async c =>
        {
            var channel = NewChannel(c.Server.Address);
            var call = new UploadService.UploadServiceClient(channel).UploadFile();
            await call.RequestStream.WriteAsync(Meta(c.Metadata(64)));
            await Task.Delay(600);
            channel.Dispose();
            call.Dispose();
            return new Outcome { Code = (int)StatusCode.Cancelled, RunnerNote = "the client dropped its connection" };
        }, new Expect(StatusCode.Cancelled) { InfoOptional = true, QuietLog = true }).Check(CancelledUpstream));
        cases.Add(new Case("client/cancel/create-file-mid-stream", c => c.CreateFile([new CreateFileRequest { Metadata = c.FileMetadata(64) }, new CreateFileRequest { Chunk = ByteString.CopyFromUtf8("12345678") }, null, null], cancelAfter: TimeSpan.FromMilliseconds(800)),
            new Expect(StatusCode.Cancelled) { InfoOptional = true, QuietLog = true }));

        // UploadFile idle: Streaming:IdleTimeout is 2 s in this run.
        Expect Idle(bool noUpstream) => new(StatusCode.DeadlineExceeded, "STREAM_IDLE_TIMEOUT") { NoUpstream = noUpstream };
        cases.Add(new Case("client/idle/upload-file-nothing-sent", c => c.UploadFile([], complete: false, bound: TimeSpan.FromSeconds(8)), Idle(true)));
        cases.Add(new Case("client/idle/upload-file-after-metadata", c => c.UploadFile([Meta(c.Metadata())], complete: false, bound: TimeSpan.FromSeconds(8)), Idle(false)).Check(CreatedThenCancelled));
        cases.Add(new Case("client/idle/upload-file-after-metadata-resumable", c => c.UploadFile([Meta(c.Metadata(resumable: true))], complete: false, bound: TimeSpan.FromSeconds(8)), Idle(false)).Check(LeftPending));
        cases.Add(new Case("client/idle/upload-file-after-a-chunk", c => c.UploadFile([Meta(c.Metadata(64)), Chunk(8)], complete: false, bound: TimeSpan.FromSeconds(8)), Idle(false)).Check(CreatedThenCancelled));
        cases.Add(new Case("client/idle/upload-file-trickle-under-the-bound-ok", c => c.UploadFile([Meta(c.Metadata(3)), null, null, Chunk(1), null, null, Chunk(1), null, null, Chunk(1)]), Ok));
        return cases;
    }

    private static T With<T>(T message, Action<T> change)
    {
        change(message);
        return message;
    }

    /// <summary>The upload the case created upstream was cancelled there (within 5 s), or none was created.</summary>
    private static async Task<string?> CancelledUpstream(CaseContext c, Outcome o)
    {
        if (c.Requests("create").Count == 0)
        {
            return null;
        }
        return await c.Upstream.WaitForAsync(c.Tag, "cancel", TimeSpan.FromSeconds(5)) is null ? "the upload it created was not cancelled upstream" : null;
    }

    /// <summary>The case's metadata created an upload upstream, and it was cancelled there (within 5 s).</summary>
    private static async Task<string?> CreatedThenCancelled(CaseContext c, Outcome o) =>
        c.Requests("create").Count != 1 ? $"{c.Requests("create").Count} uploads created upstream, expected 1" : await CancelledUpstream(c, o);

    /// <summary>A resumable upload was created and stays pending: no cancel upstream within 2 s.</summary>
    private static async Task<string?> LeftPending(CaseContext c, Outcome o) =>
        c.Requests("create").Count != 1 ? $"{c.Requests("create").Count} uploads created upstream, expected 1"
        : await c.Upstream.WaitForAsync(c.Tag, "cancel", TimeSpan.FromSeconds(2)) is null ? null : "a resumable upload was cancelled upstream";

    private static Func<CaseContext, Outcome, Task<string?>> AbortedUpstream(string route) => async (c, o) =>
    {
        var request = c.Requests(route).FirstOrDefault();
        if (request is null)
        {
            return $"no {route} request reached the upstream";
        }
        var done = await Task.WhenAny(request.Aborted.Task, Task.Delay(TimeSpan.FromSeconds(5)));
        return done == request.Aborted.Task ? null : $"the upstream {route} request was not aborted within 5 s";
    };
}
