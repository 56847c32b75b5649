using UploadsGrpc.Emulator.Errors;

namespace UploadsGrpc.Emulator.Endpoints;

/// <summary>The file expiration policy: anchor <c>created_at</c>, 3600 to 2,592,000 seconds.</summary>
internal static class ExpiresAfter
{
    public const long MinSeconds = 3600;
    public const long MaxSeconds = 2_592_000;

    public static long Check(string? anchor, long? seconds)
    {
        if (anchor is null)
        {
            throw JsonBody.Missing("expires_after.anchor");
        }
        if (anchor != "created_at")
        {
            ApiErrors.ThrowBadRequest($"Invalid value for 'expires_after.anchor': '{anchor}'; the only anchor is 'created_at'.", "expires_after.anchor", "invalid_value");
        }
        if (seconds is not { } value)
        {
            throw JsonBody.Missing("expires_after.seconds");
        }
        if (value is < MinSeconds or > MaxSeconds)
        {
            ApiErrors.ThrowBadRequest($"Invalid value for 'expires_after.seconds': {value}; it must be between {MinSeconds} and {MaxSeconds}.", "expires_after.seconds", "invalid_value");
        }
        return value;
    }
}
