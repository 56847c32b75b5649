using System.Text.Json.Nodes;

namespace UploadsGrpc.FunctionalTests.Infrastructure;

/// <summary>A JSON fixture file of named cases (Fixtures/…), for table-driven theories: one case per name.</summary>
public sealed class FixtureTable(params string[] path)
{
    private readonly JsonArray _cases = JsonNode.Parse(File.ReadAllText(Path.Combine([AppContext.BaseDirectory, "Fixtures", .. path])))!.AsArray();

    public IReadOnlyList<JsonNode> All => [.. _cases.Select(c => c!)];

    public TheoryData<string> Names() => [.. _cases.Select(c => c!["name"]!.GetValue<string>())];

    public JsonNode Case(string name) => _cases.Single(n => n!["name"]!.GetValue<string>() == name)!;
}
