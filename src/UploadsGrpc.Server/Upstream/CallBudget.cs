using Grpc.Core;

namespace UploadsGrpc.Server.Upstream;

/// <summary>What bounds one upstream request: the caller's cancellation and whether it set a deadline.</summary>
internal readonly record struct CallBudget(bool HasDeadline, CancellationToken Cancellation)
{
    /// <summary>A gRPC call's token fires on the caller's cancel and on its deadline.</summary>
    public static CallBudget From(ServerCallContext context) =>
        new(context.Deadline != DateTime.MaxValue, context.CancellationToken);
}
