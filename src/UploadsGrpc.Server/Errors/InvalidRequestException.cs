using System.Diagnostics.CodeAnalysis;
using Google.Rpc;

namespace UploadsGrpc.Server.Errors;

/// <summary>
/// The caller's request is at fault: each violation names its field. Raised by validation before any upstream
/// request, and by the streams' own checks (byte count, MD5, message order) while or after the bytes go upstream.
/// </summary>
internal sealed class InvalidRequestException(IReadOnlyList<BadRequest.Types.FieldViolation> violations)
    : Exception("Invalid request: " + string.Join("; ", violations.Select(v => $"{v.Field}: {v.Description}")))
{
    public IReadOnlyList<BadRequest.Types.FieldViolation> Violations { get; } = violations;

    [DoesNotReturn]
    public static void Throw(List<BadRequest.Types.FieldViolation> violations) => throw new InvalidRequestException(violations);

    /// <summary>Refuses a request for one field.</summary>
    [DoesNotReturn]
    public static void Throw(string field, string description) =>
        throw new InvalidRequestException([new BadRequest.Types.FieldViolation { Field = field, Description = description }]);
}
