namespace UploadsGrpc.Emulator.Errors;

/// <summary>A failure answered with the real API's error body <c>{"error": {message, type, param, code}}</c>.</summary>
public sealed class ApiException(int status, string message, string type = ApiErrors.InvalidRequest, string? param = null, string? code = null)
    : Exception(message)
{
    public int Status { get; } = status;

    public string Type { get; } = type;

    public string? Param { get; } = param;

    public string? Code { get; } = code;
}
