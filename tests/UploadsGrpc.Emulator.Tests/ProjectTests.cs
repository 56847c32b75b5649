using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using UploadsGrpc.Emulator.Tests.Infrastructure;

namespace UploadsGrpc.Emulator.Tests;

/// <summary>Objects belong to the project that created them (the OpenAI-Project header), as upstream: another project does not find them.</summary>
public sealed class ProjectTests(EmulatorServer emulator) : IClassFixture<EmulatorServer>
{
    private const string ProjectA = "proj_alpha";
    private const string ProjectB = "proj_beta";

    [Fact]
    public async Task Another_projects_upload_is_not_found_for_parts_complete_or_cancel_and_stays_pending()
    {
        var id = (await CreateUploadAsync(ProjectA, 3)).GetProperty("id").GetString()!;

        foreach (var path in new[] { $"v1/uploads/{id}/cancel", $"v1/uploads/{id}/complete", $"v1/uploads/{id}/parts" })
        {
            using var request = Request(HttpMethod.Post, path, ProjectB);
            request.Content = path.EndsWith("/parts", StringComparison.Ordinal)
                ? Part([1, 2, 3])
                : JsonContent.Create(new Dictionary<string, object> { ["part_ids"] = new[] { "part_x" } });
            using var response = await emulator.Http.SendAsync(request);
            var error = await Api.ExpectErrorAsync(response, HttpStatusCode.NotFound, "id");
            Assert.Equal($"No such Upload object: {id}", error.GetProperty("message").GetString());
        }
        using var unscoped = Request(HttpMethod.Post, $"v1/uploads/{id}/cancel", project: null);
        using var unscopedResponse = await emulator.Http.SendAsync(unscoped);
        await Api.ExpectErrorAsync(unscopedResponse, HttpStatusCode.NotFound, "id");

        var admin = JsonDocument.Parse(await emulator.Http.GetStringAsync($"_admin/uploads/{id}")).RootElement;
        Assert.Equal("pending", admin.GetProperty("status").GetString());
        Assert.Equal(0, admin.GetProperty("parts").GetArrayLength());

        using var own = Request(HttpMethod.Post, $"v1/uploads/{id}/cancel", ProjectA);
        using var cancelled = await emulator.Http.SendAsync(own);
        Assert.Equal("cancelled", (await Api.ExpectAsync(cancelled, HttpStatusCode.OK)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_completed_uploads_file_belongs_to_its_project_for_get_content_delete_and_list()
    {
        var id = (await CreateUploadAsync(ProjectA, 3)).GetProperty("id").GetString()!;
        using var addPart = Request(HttpMethod.Post, $"v1/uploads/{id}/parts", ProjectA);
        addPart.Content = Part([7, 8, 9]);
        using var partResponse = await emulator.Http.SendAsync(addPart);
        var partId = (await Api.ExpectAsync(partResponse, HttpStatusCode.OK)).GetProperty("id").GetString()!;
        using var complete = Request(HttpMethod.Post, $"v1/uploads/{id}/complete", ProjectA);
        complete.Content = JsonContent.Create(new Dictionary<string, object> { ["part_ids"] = new[] { partId } });
        using var completed = await emulator.Http.SendAsync(complete);
        var fileId = (await Api.ExpectAsync(completed, HttpStatusCode.OK)).GetProperty("file").GetProperty("id").GetString()!;

        foreach (var (method, path) in new[] { (HttpMethod.Get, $"v1/files/{fileId}"), (HttpMethod.Get, $"v1/files/{fileId}/content"), (HttpMethod.Delete, $"v1/files/{fileId}") })
        {
            using var request = Request(method, path, ProjectB);
            using var response = await emulator.Http.SendAsync(request);
            var error = await Api.ExpectErrorAsync(response, HttpStatusCode.NotFound, "id");
            Assert.Equal($"No such File object: {fileId}", error.GetProperty("message").GetString());
        }
        Assert.DoesNotContain(fileId, await ListAsync(ProjectB));
        Assert.Contains(fileId, await ListAsync(ProjectA));

        using var get = Request(HttpMethod.Get, $"v1/files/{fileId}", ProjectA);
        using var found = await emulator.Http.SendAsync(get);
        Assert.Equal(3, (await Api.ExpectAsync(found, HttpStatusCode.OK)).GetProperty("bytes").GetInt64());
    }

    [Fact]
    public async Task Another_projects_part_is_no_such_part_and_does_not_name_its_upload()
    {
        var own = (await CreateUploadAsync(ProjectB, 3)).GetProperty("id").GetString()!;
        var other = (await CreateUploadAsync(ProjectA, 3)).GetProperty("id").GetString()!;
        using var addPart = Request(HttpMethod.Post, $"v1/uploads/{other}/parts", ProjectA);
        addPart.Content = Part([1, 2, 3]);
        using var partResponse = await emulator.Http.SendAsync(addPart);
        var foreignPart = (await Api.ExpectAsync(partResponse, HttpStatusCode.OK)).GetProperty("id").GetString()!;

        using var complete = Request(HttpMethod.Post, $"v1/uploads/{own}/complete", ProjectB);
        complete.Content = JsonContent.Create(new Dictionary<string, object> { ["part_ids"] = new[] { foreignPart } });
        using var refused = await emulator.Http.SendAsync(complete);

        var error = await Api.ExpectErrorAsync(refused, HttpStatusCode.BadRequest, "part_ids");
        Assert.Equal($"No such Part object: {foreignPart}", error.GetProperty("message").GetString());
    }

    private async Task<JsonElement> CreateUploadAsync(string project, long bytes)
    {
        using var request = Request(HttpMethod.Post, "v1/uploads", project);
        request.Content = JsonContent.Create(new Dictionary<string, object>
        {
            ["filename"] = "scoped.txt", ["purpose"] = "assistants", ["bytes"] = bytes, ["mime_type"] = "text/plain",
        });
        using var response = await emulator.Http.SendAsync(request);
        return await Api.ExpectAsync(response, HttpStatusCode.OK);
    }

    private async Task<List<string>> ListAsync(string project)
    {
        using var request = Request(HttpMethod.Get, "v1/files?limit=10000", project);
        using var response = await emulator.Http.SendAsync(request);
        return [.. (await Api.ExpectAsync(response, HttpStatusCode.OK)).GetProperty("data").EnumerateArray().Select(f => f.GetProperty("id").GetString()!)];
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string? project)
    {
        var request = new HttpRequestMessage(method, path);
        if (project is not null)
        {
            request.Headers.Add("OpenAI-Project", project);
        }
        return request;
    }

    private static MultipartFormDataContent Part(byte[] data)
    {
        var content = new ByteArrayContent(data);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return new MultipartFormDataContent { { content, "data", "part" } };
    }
}
