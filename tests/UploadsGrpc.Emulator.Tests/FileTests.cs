using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using UploadsGrpc.Emulator.Tests.Infrastructure;

namespace UploadsGrpc.Emulator.Tests;

public sealed class FileTests(EmulatorServer emulator) : IClassFixture<EmulatorServer>
{
    private async Task<HttpResponseMessage> PostFileAsync(byte[] data, string purpose, string filename = "notes.txt", (string Anchor, string Seconds)? expires = null)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent(purpose), "purpose" },
        };
        var file = new ByteArrayContent(data);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(file, "file", filename);
        if (expires is { } e)
        {
            form.Add(new StringContent(e.Anchor), "expires_after[anchor]");
            form.Add(new StringContent(e.Seconds), "expires_after[seconds]");
        }
        return await emulator.Http.PostAsync("v1/files", form);
    }

    private async Task<JsonElement> CreateFileAsync(byte[] data, string purpose = "assistants", string filename = "notes.txt")
    {
        using var response = await PostFileAsync(data, purpose, filename);
        return await Api.ExpectAsync(response, HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_file_is_created_retrieved_downloaded_and_deleted()
    {
        var data = Api.RandomBytes(70_000, 7);
        var created = await CreateFileAsync(data, "user_data", "résumé 2026.txt");
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal("file", created.GetProperty("object").GetString());
        Assert.Equal(70_000, created.GetProperty("bytes").GetInt64());
        Assert.Equal("résumé 2026.txt", created.GetProperty("filename").GetString());
        Assert.Equal("user_data", created.GetProperty("purpose").GetString());
        Assert.Equal("processed", created.GetProperty("status").GetString());

        using var get = await emulator.Http.GetAsync($"v1/files/{id}");
        Assert.Equal(created.GetRawText(), (await Api.ExpectAsync(get, HttpStatusCode.OK)).GetRawText());

        foreach (var accept in new[] { "application/json", "application/binary", "text/plain" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"v1/files/{id}/content");
            request.Headers.Accept.ParseAdd(accept);
            using var content = await emulator.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, content.StatusCode);
            Assert.Equal(data, await content.Content.ReadAsByteArrayAsync());
        }

        using var delete = await emulator.Http.DeleteAsync($"v1/files/{id}");
        var deleted = await Api.ExpectAsync(delete, HttpStatusCode.OK);
        Assert.Equal("""{"object":"file","deleted":true,"id":"ID"}""".Replace("ID", id, StringComparison.Ordinal), deleted.GetRawText());
        Assert.DoesNotContain(id, emulator.FilesOnDisk());

        foreach (var path in new[] { $"v1/files/{id}", $"v1/files/{id}/content" })
        {
            using var gone = await emulator.Http.GetAsync(path);
            var error = await Api.ExpectErrorAsync(gone, HttpStatusCode.NotFound, "id");
            Assert.Equal($"No such File object: {id}", error.GetProperty("message").GetString());
        }
        using var again = await emulator.Http.DeleteAsync($"v1/files/{id}");
        await Api.ExpectErrorAsync(again, HttpStatusCode.NotFound, "id");
    }

    [Fact]
    public async Task A_bad_purpose_is_the_recorded_400()
    {
        using var response = await PostFileAsync([1], "world_domination");
        var error = await Api.ExpectErrorAsync(response, HttpStatusCode.BadRequest, "purpose");
        Assert.Equal("'world_domination' is not one of ['fine-tune', 'assistants', 'batch', 'user_data', 'vision', 'evals'] - 'purpose'", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_file_with_expires_after_disappears_when_the_clock_passes_it()
    {
        using var response = await PostFileAsync([1, 2, 3], "assistants", expires: ("created_at", "3600"));
        var file = await Api.ExpectAsync(response, HttpStatusCode.OK);
        var id = file.GetProperty("id").GetString()!;
        Assert.Equal(file.GetProperty("created_at").GetInt64() + 3600, file.GetProperty("expires_at").GetInt64());

        emulator.Time.Advance(TimeSpan.FromSeconds(3600));
        using var gone = await emulator.Http.GetAsync($"v1/files/{id}");
        await Api.ExpectErrorAsync(gone, HttpStatusCode.NotFound, "id");
        Assert.DoesNotContain(id, emulator.FilesOnDisk());
    }

    [Theory]
    [InlineData("later", "3600", "expires_after.anchor")]
    [InlineData("created_at", "59", "expires_after.seconds")]
    [InlineData("created_at", "2592001", "expires_after.seconds")]
    [InlineData("created_at", "soon", "expires_after.seconds")]
    public async Task A_bad_expiry_is_a_400_naming_it(string anchor, string seconds, string param)
    {
        using var response = await PostFileAsync([1], "assistants", expires: (anchor, seconds));
        await Api.ExpectErrorAsync(response, HttpStatusCode.BadRequest, param, seconds == "soon" ? "invalid_type" : "invalid_value");
    }

    [Fact]
    public async Task A_batch_file_expires_after_30_days_by_default()
    {
        var file = await CreateFileAsync([1], "batch");
        Assert.Equal(file.GetProperty("created_at").GetInt64() + 2_592_000, file.GetProperty("expires_at").GetInt64());
        Assert.False((await CreateFileAsync([1])).TryGetProperty("expires_at", out _));
    }

    [Fact]
    public async Task Listing_pages_through_every_file_once_in_a_stable_order()
    {
        var purpose = "vision";
        var ids = new List<string>();
        for (var i = 0; i < 25; i++)
        {
            ids.Add((await CreateFileAsync([(byte)i], purpose, $"img{i}.png")).GetProperty("id").GetString()!);
            if (i % 10 == 0)
            {
                emulator.Time.Advance(TimeSpan.FromSeconds(1));
            }
        }
        await CreateFileAsync([9], "assistants");

        foreach (var order in new[] { "asc", "desc" })
        {
            var seen = new List<string>();
            string? after = null;
            var pages = 0;
            while (true)
            {
                var query = $"v1/files?purpose={purpose}&limit=10&order={order}" + (after is null ? "" : $"&after={after}");
                using var response = await emulator.Http.GetAsync(query);
                var page = await Api.ExpectAsync(response, HttpStatusCode.OK);
                pages++;
                Assert.Equal("list", page.GetProperty("object").GetString());
                var data = page.GetProperty("data").EnumerateArray().Select(f => f.GetProperty("id").GetString()!).ToList();
                Assert.Equal(data[0], page.GetProperty("first_id").GetString());
                Assert.Equal(data[^1], page.GetProperty("last_id").GetString());
                seen.AddRange(data);
                if (!page.GetProperty("has_more").GetBoolean())
                {
                    break;
                }
                after = data[^1];
            }
            Assert.Equal(3, pages);
            Assert.Equal(order == "asc" ? ids : Enumerable.Reverse(ids).ToList(), seen);
        }
    }

    [Fact]
    public async Task A_cursor_still_works_after_its_file_is_deleted()
    {
        var a = (await CreateFileAsync([1], "fine-tune")).GetProperty("id").GetString()!;
        var b = (await CreateFileAsync([2], "fine-tune")).GetProperty("id").GetString()!;
        var c = (await CreateFileAsync([3], "fine-tune")).GetProperty("id").GetString()!;
        (await emulator.Http.DeleteAsync($"v1/files/{b}")).Dispose();
        using var response = await emulator.Http.GetAsync($"v1/files?purpose=fine-tune&order=asc&after={b}");
        var page = await Api.ExpectAsync(response, HttpStatusCode.OK);
        Assert.Contains(c, page.GetProperty("data").EnumerateArray().Select(f => f.GetProperty("id").GetString()));
        Assert.DoesNotContain(a, page.GetProperty("data").EnumerateArray().Select(f => f.GetProperty("id").GetString()));
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=10001", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("order=sideways", "order")]
    [InlineData("after=file-never", "after")]
    public async Task Bad_list_queries_are_400_naming_the_parameter(string query, string param)
    {
        using var response = await emulator.Http.GetAsync($"v1/files?{query}");
        await Api.ExpectErrorAsync(response, HttpStatusCode.BadRequest, param, param == "after" ? null : "invalid_value");
    }

    [Fact]
    public async Task An_empty_list_has_null_first_and_last_ids()
    {
        using var response = await emulator.Http.GetAsync("v1/files?purpose=evals");
        var page = await Api.ExpectAsync(response, HttpStatusCode.OK);
        Assert.Equal("""{"object":"list","data":[],"has_more":false,"first_id":null,"last_id":null}""", page.GetRawText());
    }
}
