using System.Net;
using Grpc.Core;
using UploadsGrpc.Server.Errors;

namespace UploadsGrpc.Server.Tests.Errors;

/// <summary>The error table's status column and the ErrorInfo reason, one row at a time.</summary>
public sealed class HttpStatusMappingTests
{
    [Theory]
    [InlineData(400, StatusCode.InvalidArgument)]
    [InlineData(413, StatusCode.InvalidArgument)]
    [InlineData(422, StatusCode.InvalidArgument)]
    [InlineData(401, StatusCode.Unauthenticated)]
    [InlineData(403, StatusCode.PermissionDenied)]
    [InlineData(404, StatusCode.NotFound)]
    [InlineData(408, StatusCode.DeadlineExceeded)]
    [InlineData(504, StatusCode.DeadlineExceeded)]
    [InlineData(409, StatusCode.Aborted)]
    [InlineData(429, StatusCode.ResourceExhausted)]
    [InlineData(402, StatusCode.FailedPrecondition)]
    [InlineData(418, StatusCode.FailedPrecondition)]
    [InlineData(499, StatusCode.FailedPrecondition)]
    [InlineData(500, StatusCode.Internal)]
    [InlineData(505, StatusCode.Internal)]
    [InlineData(599, StatusCode.Internal)]
    [InlineData(501, StatusCode.Unimplemented)]
    [InlineData(502, StatusCode.Unavailable)]
    [InlineData(503, StatusCode.Unavailable)]
    [InlineData(302, StatusCode.Internal)]
    [InlineData(100, StatusCode.Internal)]
    public void An_upstream_status_maps_to_the_code_of_the_table(int http, StatusCode expected) =>
        Assert.Equal(expected, HttpStatusMapping.ToStatusCode((HttpStatusCode)http));

    [Theory]
    [InlineData("upload_not_pending", "UPLOAD_NOT_PENDING")]
    [InlineData("rateLimitExceeded", "RATE_LIMIT_EXCEEDED")]
    [InlineData("invalid-request error", "INVALID_REQUEST_ERROR")]
    [InlineData("  __a..b__  ", "A_B")]
    [InlineData("ALREADY_UPPER", "ALREADY_UPPER")]
    [InlineData("HTTPError", "HTTPERROR")]
    [InlineData("v2Code", "V2CODE")]
    [InlineData("42", "42")]
    [InlineData("é-ü", null)]
    [InlineData("---", null)]
    [InlineData("   ", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void ToUpperSnake(string? value, string? expected) =>
        Assert.Equal(expected, HttpStatusMapping.ToUpperSnake(value));

    [Theory]
    [InlineData("upload_not_pending", "invalid_request_error", 400, "UPLOAD_NOT_PENDING")]
    [InlineData(null, "invalid_request_error", 400, "INVALID_REQUEST_ERROR")]
    [InlineData("", "", 400, "HTTP_400")]
    [InlineData(null, null, 503, "HTTP_503")]
    [InlineData("42", null, 409, "HTTP_409")]
    [InlineData("42", "conflict", 409, "CONFLICT")]
    [InlineData("400", "invalid_request_error", 400, "INVALID_REQUEST_ERROR")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", null, 400, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", null, 400, "HTTP_400")]
    [InlineData("é-ü", "---", 418, "HTTP_418")]
    public void The_reason_is_the_code_else_the_type_else_the_status(string? code, string? type, int http, string expected) =>
        Assert.Equal(expected, HttpStatusMapping.Reason(code, type, (HttpStatusCode)http));
}
