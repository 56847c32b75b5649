using System.Text.Json;
using System.Text.Json.Serialization;

namespace UploadsGrpc.Server.Upstream.Json;

/// <summary>
/// A Unix time in seconds that a google.protobuf.Timestamp can hold (0001-01-01 to 9999-12-31): one outside would
/// be serialized anyway, and clients (Python's, buf curl) then fail to read the whole message.
/// </summary>
internal sealed class UnixSecondsConverter : JsonConverter<long?>
{
    /// <summary>0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the Timestamp's documented range.</summary>
    public const long MinSeconds = -62_135_596_800;

    public const long MaxSeconds = 253_402_300_799;

    public static bool InRange(long seconds) => seconds is >= MinSeconds and <= MaxSeconds;

    public override long? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        // HandleNull is false: a JSON null never gets here and stays an unset Timestamp.
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var seconds))
        {
            throw new JsonException("A Unix time must be a whole number of seconds.");
        }
        return InRange(seconds) ? seconds : throw new JsonException($"The Unix time {seconds} is outside 0001-01-01..9999-12-31.");
    }

    public override void Write(Utf8JsonWriter writer, long? value, JsonSerializerOptions options)
    {
        if (value is { } seconds)
        {
            writer.WriteNumberValue(seconds);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
