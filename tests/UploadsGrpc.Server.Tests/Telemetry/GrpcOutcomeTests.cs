using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using UploadsGrpc.Server.Telemetry;

namespace UploadsGrpc.Server.Tests.Telemetry;

/// <summary>How a call's status, message and reason are read from the response it sent, whichever way it ended.</summary>
public sealed class GrpcOutcomeTests
{
    [Fact]
    public void The_status_message_and_ErrorInfo_reason_come_from_the_trailers()
    {
        var context = Context(trailers: new()
        {
            ["grpc-status"] = "5",
            ["grpc-message"] = "No%20such%20upload%3A%20upload_x",
            ["grpc-status-details-bin"] = Details("UPLOAD_NOT_FOUND"),
        });
        var outcome = GrpcOutcome.Read(context);
        Assert.Equal(new GrpcOutcome(5, "No such upload: upload_x", "UPLOAD_NOT_FOUND"), outcome);
        Assert.Equal("NOT_FOUND", outcome.StatusName);
        Assert.False(outcome.IsServerError);
    }

    [Fact]
    public void A_trailers_only_refusal_is_read_from_the_headers()
    {
        var context = Context(headers: new() { ["grpc-status"] = "8", ["grpc-status-details-bin"] = Details("MEMORY_EXHAUSTED") });
        Assert.Equal(new GrpcOutcome(8, null, "MEMORY_EXHAUSTED"), GrpcOutcome.Read(context));
    }

    [Fact]
    public void OK_carries_no_message_or_reason()
    {
        Assert.Equal(new GrpcOutcome(0, null, null), GrpcOutcome.Read(Context(trailers: new() { ["grpc-status"] = "0" })));
    }

    [Fact]
    public void A_call_whose_client_left_before_any_status_is_CANCELLED()
    {
        using var aborted = new CancellationTokenSource();
        aborted.Cancel();
        var context = Context();
        context.RequestAborted = aborted.Token;
        Assert.Equal(new GrpcOutcome(1, null, null), GrpcOutcome.Read(context));
    }

    [Theory]
    [InlineData(200, 2)]
    [InlineData(400, 13)]
    [InlineData(401, 16)]
    [InlineData(403, 7)]
    [InlineData(404, 12)]
    [InlineData(415, 2)]
    [InlineData(429, 14)]
    [InlineData(500, 2)]
    [InlineData(502, 14)]
    [InlineData(503, 14)]
    [InlineData(504, 14)]
    public void An_HTTP_answer_without_a_gRPC_status_is_read_as_the_gRPC_specification_maps_it(int http, int expected)
    {
        var context = Context();
        context.Response.StatusCode = http;
        Assert.Equal(expected, GrpcOutcome.Read(context).StatusCode);
    }

    [Theory]
    [InlineData("not-a-number")]
    [InlineData("-1")]
    [InlineData("")]
    public void A_status_that_is_not_a_number_is_read_from_the_HTTP_status(string status)
    {
        Assert.Equal(2, GrpcOutcome.Read(Context(trailers: new() { ["grpc-status"] = status })).StatusCode);
    }

    [Theory]
    [InlineData("%%%")]
    [InlineData("AAAA")]
    public void Details_that_do_not_parse_leave_the_reason_out(string details)
    {
        var outcome = GrpcOutcome.Read(Context(trailers: new() { ["grpc-status"] = "13", ["grpc-status-details-bin"] = details }));
        Assert.Equal((13, (string?)null), (outcome.StatusCode, outcome.Reason));
    }

    [Theory]
    [InlineData(0, "OK", false)]
    [InlineData(1, "CANCELLED", false)]
    [InlineData(2, "UNKNOWN", true)]
    [InlineData(3, "INVALID_ARGUMENT", false)]
    [InlineData(4, "DEADLINE_EXCEEDED", true)]
    [InlineData(5, "NOT_FOUND", false)]
    [InlineData(7, "PERMISSION_DENIED", false)]
    [InlineData(8, "RESOURCE_EXHAUSTED", false)]
    [InlineData(9, "FAILED_PRECONDITION", false)]
    [InlineData(12, "UNIMPLEMENTED", true)]
    [InlineData(13, "INTERNAL", true)]
    [InlineData(14, "UNAVAILABLE", true)]
    [InlineData(15, "DATA_LOSS", true)]
    [InlineData(16, "UNAUTHENTICATED", false)]
    [InlineData(42, "42", false)]
    public void Status_names_and_which_are_the_servers_fault_follow_the_RPC_conventions(int code, string name, bool serverError)
    {
        var outcome = new GrpcOutcome(code, null, null);
        Assert.Equal((name, serverError), (outcome.StatusName, outcome.IsServerError));
    }

    private static DefaultHttpContext Context(Dictionary<string, string>? headers = null, Dictionary<string, string>? trailers = null)
    {
        var context = new DefaultHttpContext();
        var feature = new TrailersFeature();
        context.Features.Set<IHttpResponseTrailersFeature>(feature);
        foreach (var (name, value) in headers ?? [])
        {
            context.Response.Headers[name] = value;
        }
        foreach (var (name, value) in trailers ?? [])
        {
            feature.Trailers[name] = value;
        }
        return context;
    }

    /// <summary>grpc-status-details-bin as gRPC sends it: unpadded base64 of a google.rpc.Status.</summary>
    private static string Details(string reason)
    {
        var status = new Google.Rpc.Status { Code = 5, Message = "m" };
        status.Details.Add(Any.Pack(new ErrorInfo { Reason = reason, Domain = "uploadsgrpc" }));
        return Convert.ToBase64String(status.ToByteArray()).TrimEnd('=');
    }

    private sealed class TrailersFeature : IHttpResponseTrailersFeature
    {
        public IHeaderDictionary Trailers { get; set; } = new HeaderDictionary();
    }
}
