namespace UploadsGrpc.Server.Errors;

/// <summary>Trailing metadata the service adds to calls.</summary>
public static class TrailerNames
{
    /// <summary>The upstream's <c>x-request-id</c>: quote it when asking the upstream's support about a call.</summary>
    public const string RequestId = "x-request-id";
}
