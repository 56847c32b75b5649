namespace UploadsGrpc.Emulator.State;

/// <summary>The purposes the real API accepts for new files and uploads, in the order of its own error message.</summary>
internal static class Purposes
{
    public static readonly string[] Accepted = ["fine-tune", "assistants", "batch", "user_data", "vision", "evals"];

    public static void Check(string? purpose)
    {
        if (purpose is null || !Accepted.Contains(purpose))
        {
            Errors.ApiErrors.ThrowBadRequest(
                $"'{purpose}' is not one of [{string.Join(", ", Accepted.Select(p => $"'{p}'"))}] - 'purpose'", "purpose");
        }
    }
}
