using System.Text.Json.Nodes;

namespace UploadsGrpc.Server.Tests.Infrastructure;

/// <summary>Responses of the real API, from third_party/openai-dotnet/recorded-responses.json (the functional tests link this file).</summary>
public static class Recordings
{
    private static readonly Lazy<JsonNode> All = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "third_party", "recorded-responses.json")))!);

    /// <summary>The response body of the <paramref name="index"/>th exchange of recording <paramref name="name"/>.</summary>
    public static string ResponseBody(string name, int index) =>
        All.Value["recordings"]![name]![index]!["response_body"]!.ToJsonString();
}
