using Google.Rpc;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using UploadsGrpc.Server.Errors;
using UploadsGrpc.Server.Telemetry;
using UploadsGrpc.Server.Upstream;

namespace UploadsGrpc.Server.Callers;

/// <summary>
/// Admits each call before the service runs: who the caller is (the authentication handlers), whether its policy
/// allows the RPC (the authorization policies of <see cref="RpcGroups"/>), its rate and streams
/// (<see cref="CallerLimits"/>), and its purposes and sizes (<see cref="CallerPolicyCheck"/>); then the call goes
/// upstream as the caller's project. Every refusal comes before any upstream request. Mutating calls are audited,
/// refused or not. An interceptor rather than endpoint metadata: a refusal must be a gRPC status with ErrorInfo,
/// and the policy checks need the request messages.
/// </summary>
internal sealed class CallerInterceptor(
    IOptions<AuthOptions> auth,
    CallerDirectory directory,
    CallerLimits limits,
    IAuthorizationService authorization,
    IHostEnvironment environment,
    IOptions<UpstreamOptions> upstream,
    ErrorMapper mapper,
    UploadsGrpcMetrics metrics,
    ILoggerFactory loggers) : Interceptor
{
    /// <summary>The audit events' category, so operators can route them apart from the service's other logs.</summary>
    public const string AuditCategory = "UploadsGrpc.Audit";

    private readonly ILogger _audit = loggers.CreateLogger(AuditCategory);

    /// <summary>
    /// Reflection lists the contract, which is public, but in production it is surface nobody needs; it is open in
    /// Development and on the embedded emulator, where no key is at stake, so buf curl works there with no set-up.
    /// </summary>
    private readonly bool _reflectionOpen = environment.IsDevelopment() || upstream.Value.ResolvedMode == UpstreamMode.Emulator;

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        AdmitAsync(context, request, async (_, audit) =>
        {
            var response = await continuation(request, context);
            audit?.Observe(response);
            return response;
        });

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        AdmitAsync(context, request: null, async (caller, audit) =>
        {
            var response = await continuation(caller is null ? requestStream : new CheckedStreamReader<TRequest>(requestStream, caller, audit), context);
            audit?.Observe(response);
            return response;
        });

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        AdmitAsync(context, request, async (_, audit) =>
        {
            await continuation(request, audit is null ? responseStream : new ObservedStreamWriter<TResponse>(responseStream, audit.Observe), context);
            return true;
        });

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        AdmitAsync(context, request: null, async (caller, audit) =>
        {
            await continuation(
                caller is null ? requestStream : new CheckedStreamReader<TRequest>(requestStream, caller, audit),
                audit is null ? responseStream : new ObservedStreamWriter<TResponse>(responseStream, audit.Observe),
                context);
            return true;
        });

    private async Task<T> AdmitAsync<T>(ServerCallContext context, object? request, Func<Caller?, AuditRecord?, Task<T>> call)
    {
        // The route's method, not the request path: routing ignores case, so the path may spell it otherwise.
        var method = context.GetHttpContext().GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method.FullName ?? context.Method;
        var rule = RpcGroups.For(method, _reflectionOpen);
        if (rule.Group is null)
        {
            return await call(null, null);
        }
        var http = context.GetHttpContext();
        var audit = rule.Mutating ? new AuditRecord(method) : null;
        if (request is not null)
        {
            // Before admission, so a refused call's event still names what it asked for.
            audit?.Observe(request);
        }
        Caller? caller = null;
        try
        {
            caller = await AuthenticateAsync(http);
            audit?.Caller = caller.Name;
            CallTelemetry.Of(http)?.SetCaller(caller.Name);
            http.User = CallerClaims.For(caller, auth.Value.ResolvedMode!.Value.ToString());
            if (!(await authorization.AuthorizeAsync(http.User, rule.Group)).Succeeded)
            {
                throw CallerRefusals.GroupNotAllowed(caller, rule.Group, method);
            }
            using var stream = limits.Admit(caller);
            http.RequestServices.GetRequiredService<UpstreamIdentity>().Use(caller.Project, caller.ApiKey);
            if (request is not null)
            {
                CallerPolicyCheck.Check(caller, request);
            }
            var result = await call(caller, audit);
            audit?.Status = StatusCode.OK;
            return result;
        }
        catch (RpcException failure)
        {
            audit?.Status = failure.StatusCode;
            CountLimitHit(caller, failure);
            throw;
        }
        catch (Exception refusal)
        {
            // A refusal of ours, or a handler that failed outright.
            var failure = mapper.Map(refusal, context, requestId: null);
            audit?.Status = failure.StatusCode;
            CountLimitHit(caller, failure);
            throw failure;
        }
        finally
        {
            if (audit is not null)
            {
                var requestId = http.RequestServices.GetRequiredService<UpstreamCallInfo>().RequestId;
                ServerLog.CallAudited(_audit, audit.Caller, audit.Method, audit.Status, audit.UploadId, audit.FileId, audit.Bytes, requestId);
            }
        }
    }

    /// <summary>
    /// Counts a refusal by one of the caller's own limits, wherever it was raised: at admission (rate, streams) or
    /// inside the call (an UploadFile stream that grew past its caller's upload size).
    /// </summary>
    private void CountLimitHit(Caller? caller, RpcException failure)
    {
        if (caller is not null && failure.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason is { } reason && CallerLimitNames.Of(reason) is { } limit)
        {
            // A caller the configuration does not name is one label for all: a JWT's subjects are not bounded.
            metrics.CallerLimitHit(directory.IsNamed(caller.Name) ? caller.Name : "_OTHER", limit);
        }
    }

    private async Task<Caller> AuthenticateAsync(HttpContext http)
    {
        var mode = auth.Value.ResolvedMode!.Value;
        if (mode == AuthMode.None)
        {
            return directory.Anonymous;
        }
        var result = await http.AuthenticateAsync();
        if (result.Succeeded)
        {
            return result.Principal.Identity?.Name is { } name && !string.IsNullOrWhiteSpace(name)
                ? name.Any(char.IsControl)
                    ? throw CallerRefusals.InvalidCredential(mode, "the caller it names has control characters.")
                    : directory.Find(name)
                : throw CallerRefusals.InvalidCredential(mode, $"it names no caller (no {CallerClaimName(mode)}).");
        }
        if (result.Failure is null)
        {
            throw CallerRefusals.MissingCredential(mode);
        }
        if (mode == AuthMode.Jwt && !await IssuerReachableAsync(http))
        {
            throw CallerRefusals.IssuerUnavailable();
        }
        throw CallerRefusals.InvalidCredential(mode, CredentialProblem.Describe(result.Failure));
    }

    /// <summary>
    /// Whether the authority's configuration (issuer and keys) is at hand. IdentityModel swallows a failure to fetch
    /// it and then refuses every token as having the wrong issuer, which would blame the caller for an outage.
    /// </summary>
    private static async Task<bool> IssuerReachableAsync(HttpContext http)
    {
        var bearer = http.RequestServices.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);
        if (bearer.ConfigurationManager is not { } configuration)
        {
            return true;
        }
        try
        {
            // The configuration the handler has just used, from the cache; fetched again only when there is none.
            await configuration.GetConfigurationAsync(http.RequestAborted);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private string CallerClaimName(AuthMode mode) => mode == AuthMode.Jwt ? $"'{auth.Value.Jwt.CallerClaim}' claim" : "name";
}
