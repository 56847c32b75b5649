using System.Globalization;
using System.Net.Sockets;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Polly.CircuitBreaker;
using UploadsGrpc.Server.Lifecycle;
using UploadsGrpc.Server.Telemetry;
using UploadsGrpc.Server.Upstream;
using RpcStatus = Google.Rpc.Status;

namespace UploadsGrpc.Server.Errors;

/// <summary>
/// The one place where a failure becomes a gRPC status (the table is in README.md, "Errors"). Every status
/// carries an ErrorInfo; validation adds a BadRequest, and an upstream that said when to retry adds a RetryInfo.
/// </summary>
internal sealed class ErrorMapper(SecretRedactor redactor, DrainState drain, TimeProvider clock, ILogger<ErrorMapper> logger)
{
    /// <summary>What a 429 without a retry header tells the client to wait: the SDKs' first backoff, rounded up.</summary>
    internal static readonly TimeSpan DefaultRateLimitDelay = TimeSpan.FromSeconds(1);

    /// <summary>What a call cut off by shutdown tells the client to wait: another replica is ready at once.</summary>
    internal static readonly TimeSpan ShutdownRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>What an open circuit tells the client to wait when the breaker did not say (a manually isolated circuit).</summary>
    internal static readonly TimeSpan OpenCircuitRetryDelay = TimeSpan.FromSeconds(1);

    public RpcException Map(Exception exception, ServerCallContext context, string? requestId)
    {
        if (exception is HttpRequestException { InnerException: InvalidRequestException or RpcException } wrapped)
        {
            // A streamed request body (CreateFile's chunks) found the caller's bytes wrong, or a guard refused the
            // caller's next message while HttpClient read it: the caller's error, not a transport one.
            exception = wrapped.InnerException!;
        }
        var status = exception switch
        {
            RpcException rpc when rpc.Trailers.GetRpcStatus() is { } rich => rich,
            RpcException rpc => Facade(rpc.StatusCode, HttpStatusMapping.ToUpperSnake(rpc.StatusCode.ToString())!, rpc.Status.Detail),
            InvalidRequestException invalid => FromValidation(invalid),
            FacadeException facade => FromFacade(facade),
            UpstreamException upstream => FromUpstream(upstream),
            UpstreamProtocolException protocol => Facade(StatusCode.Internal, FacadeReasons.UpstreamInvalidResponse, protocol.Message,
                ("http_status", protocol.StatusCode is { } http ? ((int)http).ToString(CultureInfo.InvariantCulture) : null), ("request_id", protocol.RequestId)),
            UpstreamTimeoutException timeout => Facade(StatusCode.DeadlineExceeded, FacadeReasons.UpstreamTimeout, timeout.Message),
            BrokenCircuitException open => FromOpenCircuit(open),
            OperationCanceledException when context.CancellationToken.IsCancellationRequested => FromCallerCancellation(context),
            // A client that resets its stream mid-read surfaces as an IOException from the request body: that is the
            // caller going away, not the upstream failing (seen with reflection clients that hang up after listing).
            IOException when context.CancellationToken.IsCancellationRequested => FromCallerCancellation(context),
            HttpRequestException http => FromTransport(http),
            IOException io => FromTransport(io),
            _ => FromUnexpected(exception, context),
        };
        Bound(status);
        // The interceptor's id comes from the upstream client, which checked it; checked again as it becomes a trailer.
        requestId = UpstreamRequestId.Accept(requestId, redactor.ApiKey);
        if (exception is OperationCanceledException or IOException && context.CancellationToken.IsCancellationRequested && !drain.Expired.IsCancellationRequested)
        {
            // The caller left or its deadline passed: routine for a server, so one Information line, no warning.
            ServerLog.CallEndedByCaller(logger, context.Method, (StatusCode)status.Code);
        }
        else if (exception is not RpcException and not InvalidRequestException and not FacadeException)
        {
            ServerLog.CallFailed(logger, context.Method, (StatusCode)status.Code, status.Message, requestId);
        }

        // A wait that ends after the caller's deadline: its own retry could not succeed in time either.
        var rpcException = status.ToRpcExceptionWithPushback(doNotRetry: exception is UpstreamException { WaitPastDeadline: true });
        if (requestId is not null)
        {
            rpcException.Trailers.Add(TrailerNames.RequestId, requestId);
        }
        return rpcException;
    }

    private static RpcStatus FromValidation(InvalidRequestException invalid)
    {
        var status = Facade(StatusCode.InvalidArgument, FacadeReasons.InvalidArgument, invalid.Message,
            ("fields", string.Join(",", invalid.Violations.Select(v => v.Field))));
        var badRequest = new BadRequest();
        badRequest.FieldViolations.AddRange(invalid.Violations);
        status.Details.Add(Any.Pack(badRequest));
        return status;
    }

    private static RpcStatus FromFacade(FacadeException facade)
    {
        var status = Facade(facade.Code, facade.Reason, facade.Message, [("field", facade.Field), .. facade.Metadata]);
        if (facade.Field is { } field)
        {
            status.Details.Add(Any.Pack(new BadRequest
            {
                FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = facade.Message } },
            }));
        }
        if (facade.RetryDelay is { } delay)
        {
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(delay) }));
        }
        return status;
    }

    /// <summary>A code or type that held a secret (masked where it was read) does not make a reason: the status does.</summary>
    private string? Usable(string? text) =>
        text is null || text.Contains(SecretRedactor.Mask, StringComparison.Ordinal) || redactor.HasSecret(text) ? null : text;

    private RpcStatus FromUpstream(UpstreamException upstream)
    {
        var code = HttpStatusMapping.ToStatusCode(upstream.StatusCode);
        var error = upstream.Error;
        var info = new ErrorInfo
        {
            Domain = ErrorDomains.Upstream,
            Reason = HttpStatusMapping.Reason(Usable(error.Code), Usable(error.Type), upstream.StatusCode),
        };
        AddMetadata(info, ("type", error.Type), ("param", error.Param), ("code", error.Code),
            ("http_status", ((int)upstream.StatusCode).ToString(CultureInfo.InvariantCulture)), ("request_id", upstream.RequestId));

        var status = new RpcStatus { Code = (int)code, Message = error.Message, Details = { Any.Pack(info) } };
        var retryDelay = code switch
        {
            StatusCode.ResourceExhausted => upstream.RetryAfter ?? DefaultRateLimitDelay,
            StatusCode.Unavailable => upstream.RetryAfter,
            _ => null,
        };
        if (retryDelay is { } delay)
        {
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(delay) }));
        }
        if (error.Param is { Length: > 0 } param && code == StatusCode.InvalidArgument)
        {
            // The upstream named the field: say so the standard way too.
            status.Details.Add(Any.Pack(new BadRequest
            {
                FieldViolations = { new BadRequest.Types.FieldViolation { Field = param, Description = error.Message } },
            }));
        }
        return status;
    }

    private RpcStatus FromCallerCancellation(ServerCallContext context) =>
        drain.Expired.IsCancellationRequested ? FromShutdown()
        : context.Deadline != DateTime.MaxValue && clock.GetUtcNow().UtcDateTime >= context.Deadline
            ? Facade(StatusCode.DeadlineExceeded, FacadeReasons.DeadlineExceeded, "The call's deadline passed; the upstream request was aborted.")
            : Facade(StatusCode.Cancelled, FacadeReasons.Cancelled, "The call was cancelled; the upstream request was aborted.");

    /// <summary>The call's token fired because Shutdown:Timeout passed, not because the caller left.</summary>
    private static RpcStatus FromShutdown()
    {
        var status = Facade(StatusCode.Unavailable, FacadeReasons.ShuttingDown,
            "The server is shutting down and this call was still running when its shutdown timeout passed; the upstream request " +
            "was aborted, so an effect it had may or may not have happened upstream. Retry on another replica.");
        status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(ShutdownRetryDelay) }));
        return status;
    }

    /// <summary>The breaker is open: no request was sent. RetryInfo says when the next request will probe the upstream.</summary>
    private static RpcStatus FromOpenCircuit(BrokenCircuitException open)
    {
        var wait = open.RetryAfter is { } after && after > TimeSpan.Zero ? after : OpenCircuitRetryDelay;
        var status = Facade(StatusCode.Unavailable, FacadeReasons.UpstreamCircuitOpen,
            "Most recent requests to the upstream failed (no connection or 5xx), so this call was not sent; retry after the delay in RetryInfo.");
        status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(wait) }));
        return status;
    }

    private static RpcStatus FromTransport(Exception exception)
    {
        var detail = exception switch
        {
            HttpRequestException { InnerException: SocketException socket } => socket.SocketErrorCode.ToString(),
            HttpRequestException http => http.HttpRequestError.ToString(),
            _ => "ConnectionReset",
        };
        return Facade(StatusCode.Unavailable, FacadeReasons.UpstreamUnavailable,
            $"The upstream could not be reached or dropped the connection ({detail}).", ("error", detail));
    }

    private RpcStatus FromUnexpected(Exception exception, ServerCallContext context)
    {
        ServerLog.CallFailedUnexpectedly(logger, exception, context.Method);
        return Facade(StatusCode.Internal, FacadeReasons.Internal, "The service failed unexpectedly; the failure is logged.");
    }

    private static RpcStatus Facade(StatusCode code, string reason, string message, params (string Key, string? Value)[] metadata)
    {
        var info = new ErrorInfo { Domain = ErrorDomains.Facade, Reason = reason };
        AddMetadata(info, metadata);
        return new RpcStatus { Code = (int)code, Message = message, Details = { Any.Pack(info) } };
    }

    /// <summary>
    /// Every text of the status, whoever built it, redacted and cut: grpc-message to 1024 chars on one line, ErrorInfo metadata
    /// and BadRequest fields and descriptions to 256, and an ErrorInfo reason that is not UPPER_SNAKE replaced.
    /// </summary>
    private void Bound(RpcStatus status)
    {
        // One line too: the framework logs the message of every failed call (RpcConnectionError) as it is.
        status.Message = TextBounds.OneLine(TextBounds.Cut(redactor.Redact(status.Message), TextBounds.MaxMessageChars));
        for (var i = 0; i < status.Details.Count; i++)
        {
            var detail = status.Details[i];
            if (detail.TryUnpack<ErrorInfo>(out var info))
            {
                foreach (var key in info.Metadata.Keys.ToList())
                {
                    info.Metadata[key] = Bound(info.Metadata[key]);
                }
                if (!ErrorText.IsReason(info.Reason) || redactor.HasSecret(info.Reason))
                {
                    info.Reason = info.Metadata.TryGetValue("http_status", out var http) && int.TryParse(http, CultureInfo.InvariantCulture, out var code)
                        ? $"HTTP_{code}"
                        : HttpStatusMapping.ToUpperSnake(((StatusCode)status.Code).ToString())!;
                }
                status.Details[i] = Any.Pack(info);
            }
            else if (detail.TryUnpack<BadRequest>(out var badRequest))
            {
                foreach (var violation in badRequest.FieldViolations)
                {
                    violation.Field = Bound(violation.Field);
                    violation.Description = Bound(violation.Description);
                }
                status.Details[i] = Any.Pack(badRequest);
            }
        }
    }

    private string Bound(string text) => TextBounds.Cut(redactor.Redact(text), TextBounds.MaxDetailChars);

    private static void AddMetadata(ErrorInfo info, params (string Key, string? Value)[] entries)
    {
        foreach (var (key, value) in entries)
        {
            if (value is not null)
            {
                info.Metadata[key] = value;
            }
        }
    }
}
