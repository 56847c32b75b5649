using System.Text.Json.Nodes;
using UploadsGrpc.Server.Callers;

namespace UploadsGrpc.Server.Tests.Callers;

/// <summary>
/// The x-forwarded-client-cert parser, one case a row of Fixtures/Callers/forwarded-client-cert.json: Envoy's
/// elements, pairs and quoting, and which URI names the caller.
/// </summary>
public sealed class ForwardedClientCertTests
{
    private static readonly string FixturePath = Path.Combine(AppContext.BaseDirectory, "Fixtures", "Callers", "forwarded-client-cert.json");

    private static readonly Dictionary<string, JsonNode> Table = JsonNode.Parse(File.ReadAllText(FixturePath))!["cases"]!.AsArray()
        .ToDictionary(row => row!["name"]!.GetValue<string>(), row => row!);

    public static TheoryData<string> Cases() => [.. Table.Keys];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Names_the_URI_of_the_last_element(string name)
    {
        var row = Table[name];

        var uri = ForwardedClientCert.LastUri(row["header"]!.GetValue<string>());

        Assert.Equal(row["uri"]?.GetValue<string>(), uri);
    }
}
