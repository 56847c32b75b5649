using Grpc.Core;

namespace UploadsGrpc.Server.Upstream;

/// <summary>
/// What bounds one upstream request: the caller's cancellation, whether it set a deadline, and when that is (a
/// retry whose wait would not end before it is not waited for).
/// </summary>
internal readonly record struct CallBudget(bool HasDeadline, CancellationToken Cancellation, DateTimeOffset? Deadline = null)
{
    /// <summary>A gRPC call's token fires on the caller's cancel and on its deadline.</summary>
    public static CallBudget From(ServerCallContext context) =>
        context.Deadline == DateTime.MaxValue
            ? new(HasDeadline: false, context.CancellationToken)
            : new(HasDeadline: true, context.CancellationToken, new DateTimeOffset(DateTime.SpecifyKind(context.Deadline, DateTimeKind.Utc)));

    /// <summary>A budget of the server's own, such as a clean-up that must end by <paramref name="deadline"/>.</summary>
    public static CallBudget Until(DateTimeOffset deadline, CancellationToken cancellation) => new(HasDeadline: true, cancellation, deadline);
}
