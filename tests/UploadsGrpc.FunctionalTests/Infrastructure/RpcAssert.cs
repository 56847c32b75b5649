using Google.Rpc;
using Grpc.Core;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>Assertions on a failed call's status and its google.rpc.Status details.</summary>
public static class RpcAssert
{
    public static async Task<RpcException> FailsAsync(StatusCode expected, Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(ex.StatusCode == expected, $"Expected {expected}, got {ex.StatusCode}: {ex.Status.Detail}");
        return ex;
    }

    public static ErrorInfo ErrorInfo(RpcException ex) => Detail<ErrorInfo>(ex)
        ?? throw new Xunit.Sdk.XunitException($"No ErrorInfo in the status of {ex.StatusCode}: {ex.Status.Detail}");

    public static T? Detail<T>(RpcException ex) where T : class, Google.Protobuf.IMessage<T>, new()
    {
        var status = ex.GetRpcStatus() ?? throw new Xunit.Sdk.XunitException($"No google.rpc.Status in {ex.StatusCode}: {ex.Status.Detail}");
        Assert.Equal((int)ex.StatusCode, status.Code);
        return status.GetDetail<T>();
    }

    /// <summary>The field names a BadRequest lists.</summary>
    public static string[] BadFields(RpcException ex) =>
        [.. (Detail<BadRequest>(ex) ?? throw new Xunit.Sdk.XunitException("No BadRequest detail")).FieldViolations.Select(v => v.Field)];
}
