using System.Text.Json.Serialization;
using UploadsGrpc.Emulator.Errors;
using UploadsGrpc.Emulator.Faults;

namespace UploadsGrpc.Emulator.Json;

/// <summary>
/// Source-generated JSON in the real API's snake_case. Null values are left out: the published contract
/// types <c>expires_at</c> and <c>status_details</c> as non-nullable, and a validating proxy holds the
/// emulator to it (the real API sends them as null; clients must accept both).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(UploadJson))]
[JsonSerializable(typeof(FileJson))]
[JsonSerializable(typeof(UploadPartJson))]
[JsonSerializable(typeof(FileListJson))]
[JsonSerializable(typeof(DeletedFileJson))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(AdminUploadJson))]
[JsonSerializable(typeof(AdminUploadListJson))]
[JsonSerializable(typeof(ClockAdvanceJson))]
[JsonSerializable(typeof(ClockJson))]
[JsonSerializable(typeof(StorageJson))]
[JsonSerializable(typeof(RequestsJson))]
[JsonSerializable(typeof(FaultPlan))]
public sealed partial class EmulatorJsonContext : JsonSerializerContext;
