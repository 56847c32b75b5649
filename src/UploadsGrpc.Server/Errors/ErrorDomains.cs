namespace UploadsGrpc.Server.Errors;

/// <summary>ErrorInfo domains: clients switch on these, so they never change.</summary>
public static class ErrorDomains
{
    /// <summary>Errors the upstream API reported.</summary>
    public const string Upstream = "api.openai.com";

    /// <summary>Errors the façade itself found; their reasons are <see cref="FacadeReasons"/>.</summary>
    public const string Facade = "uploadsgrpc";
}
