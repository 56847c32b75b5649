namespace UploadsGrpc.Emulator.Hosting;

/// <summary>
/// Marks a request whose connection the emulator itself dropped (a <c>drop</c> fault), so the request counter
/// does not count it as aborted by the client.
/// </summary>
public static class DroppedConnection
{
    private static readonly object Key = new();

    /// <summary>Marks the request, then aborts its connection.</summary>
    public static void Drop(HttpContext http)
    {
        http.Items[Key] = true;
        http.Abort();
    }

    public static bool IsMarked(HttpContext http) => http.Items.ContainsKey(Key);
}
