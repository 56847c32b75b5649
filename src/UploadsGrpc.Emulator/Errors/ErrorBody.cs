namespace UploadsGrpc.Emulator.Errors;

/// <summary>The real API's error envelope.</summary>
public sealed record ErrorBody(ErrorDetail Error);

/// <summary><c>param</c> and <c>code</c> are written even when null, as the real API does.</summary>
public sealed record ErrorDetail(
    string Message,
    string Type,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)] string? Param,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)] string? Code);
