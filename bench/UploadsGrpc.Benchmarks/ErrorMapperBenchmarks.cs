using System.Net;
using BenchmarkDotNet.Attributes;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Errors;
using UploadsGrpc.Server.Lifecycle;
using UploadsGrpc.Server.Tests.Infrastructure;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Benchmarks;

/// <summary>The error path: an upstream 400 and a validation failure to a RpcException with google.rpc details.</summary>
[MemoryDiagnoser]
public class ErrorMapperBenchmarks
{
    private readonly ErrorMapper _mapper = new(
        new SecretRedactor(Options.Create(new UpstreamOptions { ApiKey = "sk-bench-0123456789abcdef" })),
        new DrainState(), TimeProvider.System, NullLogger<ErrorMapper>.Instance);

    private readonly ServerCallContext _context = new FixedCallContext("/uploadsgrpc.v1.UploadService/CancelUpload", CancellationToken.None);

    private readonly UpstreamException _upstream = new(HttpStatusCode.BadRequest,
        new UpstreamError("Cannot cancel upload upload_abc123: it is already completed.", "invalid_request_error", "upload_id", "upload_not_pending"),
        "req_0123456789abcdef0123456789abcdef", retryAfter: null);

    private readonly InvalidRequestException _invalid = new([
        new BadRequest.Types.FieldViolation { Field = "upload_id", Description = "is required." },
    ]);

    [Benchmark(Baseline = true)]
    public RpcException UpstreamError() => _mapper.Map(_upstream, _context, "req_0123456789abcdef0123456789abcdef");

    [Benchmark]
    public RpcException ValidationError() => _mapper.Map(_invalid, _context, requestId: null);
}
