using System.Security.Claims;

namespace UploadsGrpc.Server.Callers;

/// <summary>The principal of an admitted caller: its name and its groups as claims, which the group policies require.</summary>
internal static class CallerClaims
{
    public const string Group = "uploadsgrpc/group";

    public static ClaimsPrincipal For(Caller caller, string authenticationType) => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, caller.Name), .. caller.Groups.Select(group => new Claim(Group, group))], authenticationType));
}
