using System.Net;
using System.Text.Json;
using UploadsGrpc.Emulator.Tests.Infrastructure;

namespace UploadsGrpc.Emulator.Tests;

public sealed class UploadFlowTests(EmulatorServer emulator) : IClassFixture<EmulatorServer>
{
    [Fact]
    public async Task Parts_sent_in_any_order_complete_into_the_listed_order_with_md5()
    {
        var first = Api.RandomBytes(300_000, 1);
        var second = Api.RandomBytes(200_001, 2);
        var upload = await emulator.CreateUploadAsync(first.Length + second.Length, "fine-tune", "train.jsonl");
        var id = upload.GetProperty("id").GetString()!;
        Assert.Matches("^upload_[0-9a-f]{32}$", id);
        Assert.Equal("upload", upload.GetProperty("object").GetString());
        Assert.Equal("pending", upload.GetProperty("status").GetString());
        Assert.Equal(upload.GetProperty("created_at").GetInt64() + 3600, upload.GetProperty("expires_at").GetInt64());
        Assert.False(upload.TryGetProperty("file", out _));

        var secondId = await emulator.AddPartAsync(id, second);
        var firstId = await emulator.AddPartAsync(id, first);
        Assert.Matches("^part_[0-9a-f]{32}$", firstId);

        using var response = await emulator.CompleteAsync(id, [firstId, secondId], Api.Md5([.. first, .. second]).ToUpperInvariant());
        var completed = await Api.ExpectAsync(response, HttpStatusCode.OK);
        Assert.Equal("completed", completed.GetProperty("status").GetString());
        var file = completed.GetProperty("file");
        Assert.Matches("^file-[A-Za-z0-9]{24}$", file.GetProperty("id").GetString());
        Assert.Equal(first.Length + second.Length, file.GetProperty("bytes").GetInt64());
        Assert.Equal("processed", file.GetProperty("status").GetString());
        Assert.Equal("fine-tune", file.GetProperty("purpose").GetString());
        Assert.Equal("train.jsonl", file.GetProperty("filename").GetString());
        Assert.Equal(upload.GetProperty("created_at").GetInt64(), file.GetProperty("created_at").GetInt64());

        var content = await emulator.Http.GetByteArrayAsync($"v1/files/{file.GetProperty("id").GetString()}/content");
        Assert.Equal([.. first, .. second], content);
        // The parts now live in the file: only the file's bytes remain on disk.
        var onDisk = emulator.FilesOnDisk();
        Assert.Contains(file.GetProperty("id").GetString()!, onDisk);
        Assert.DoesNotContain(firstId, onDisk);
        Assert.DoesNotContain(secondId, onDisk);
        var admin = await emulator.AdminUploadAsync(id);
        Assert.All(admin.GetProperty("parts").EnumerateArray(), p => Assert.False(p.GetProperty("on_disk").GetBoolean()));
    }

    [Fact]
    public async Task A_retried_part_that_is_not_listed_does_no_harm_and_is_discarded()
    {
        var data = Api.RandomBytes(1000, 3);
        var id = (await emulator.CreateUploadAsync(data.Length)).GetProperty("id").GetString()!;
        var abandoned = await emulator.AddPartAsync(id, data);
        var retried = await emulator.AddPartAsync(id, data);

        using var response = await emulator.CompleteAsync(id, [retried], Api.Md5(data));
        var completed = await Api.ExpectAsync(response, HttpStatusCode.OK);
        Assert.Equal(1000, completed.GetProperty("file").GetProperty("bytes").GetInt64());
        Assert.DoesNotContain(abandoned, emulator.FilesOnDisk());
        Assert.DoesNotContain(retried, emulator.FilesOnDisk());
    }

    [Fact]
    public async Task Concurrent_parts_on_one_upload_are_all_kept()
    {
        var parts = Enumerable.Range(0, 24).Select(i => Api.RandomBytes(50_000 + i, 100 + i)).ToArray();
        var id = (await emulator.CreateUploadAsync(parts.Sum(p => (long)p.Length))).GetProperty("id").GetString()!;
        var ids = await Task.WhenAll(parts.Select(p => emulator.AddPartAsync(id, p)));

        using var response = await emulator.CompleteAsync(id, ids, Api.Md5([.. parts.SelectMany(p => p)]));
        var file = (await Api.ExpectAsync(response, HttpStatusCode.OK)).GetProperty("file");
        var content = await emulator.Http.GetByteArrayAsync($"v1/files/{file.GetProperty("id").GetString()}/content");
        Assert.Equal(parts.SelectMany(p => p).ToArray(), content);
        Assert.Equal(24, (await emulator.AdminUploadAsync(id)).GetProperty("parts").GetArrayLength());
    }

    [Fact]
    public async Task Cancel_answers_the_upload_cancelled_and_deletes_its_parts()
    {
        var id = (await emulator.CreateUploadAsync(10)).GetProperty("id").GetString()!;
        var part = await emulator.AddPartAsync(id, new byte[5]);
        Assert.Contains(part, emulator.FilesOnDisk());

        using var response = await emulator.CancelAsync(id);
        var cancelled = await Api.ExpectAsync(response, HttpStatusCode.OK);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Equal(10, cancelled.GetProperty("bytes").GetInt64());
        Assert.False(cancelled.TryGetProperty("file", out _));
        Assert.DoesNotContain(part, emulator.FilesOnDisk());
        var admin = await emulator.AdminUploadAsync(id);
        Assert.Equal("cancelled", admin.GetProperty("status").GetString());
        Assert.Equal(5, admin.GetProperty("received_bytes").GetInt64());
    }

    [Fact]
    public async Task A_part_over_the_limit_is_a_400_naming_data_and_leaves_nothing_on_disk()
    {
        var id = (await emulator.CreateUploadAsync(EmulatorServer.SmallPartLimit + 1)).GetProperty("id").GetString()!;
        var before = emulator.FilesOnDisk();
        using var response = await emulator.PostPartAsync(id, new byte[EmulatorServer.SmallPartLimit + 1]);
        await Api.ExpectErrorAsync(response, HttpStatusCode.BadRequest, "data");
        Assert.Equal(before, emulator.FilesOnDisk());
        Assert.Equal(0, (await emulator.AdminUploadAsync(id)).GetProperty("parts").GetArrayLength());
        // A part of exactly the limit is fine.
        await emulator.AddPartAsync(id, new byte[EmulatorServer.SmallPartLimit]);
    }

    [Fact]
    public async Task The_largest_upload_is_accepted_and_one_byte_more_is_not()
    {
        var ok = await emulator.CreateUploadAsync(8L * 1024 * 1024 * 1024);
        Assert.Equal(8589934592, ok.GetProperty("bytes").GetInt64());
        using var tooBig = await emulator.Http.PostAsync("v1/uploads", Json("""{"filename":"a","purpose":"batch","bytes":8589934593,"mime_type":"text/jsonl"}"""));
        await Api.ExpectErrorAsync(tooBig, HttpStatusCode.BadRequest, "bytes", "invalid_value");
    }

    [Theory]
    [InlineData("""{"filename":"a","purpose":"world_domination","bytes":1,"mime_type":"text/plain"}""", "purpose", null)]
    [InlineData("""{"purpose":"batch","bytes":1,"mime_type":"text/plain"}""", "filename", "missing_required_parameter")]
    [InlineData("""{"filename":"a","purpose":"batch","mime_type":"text/plain"}""", "bytes", "missing_required_parameter")]
    [InlineData("""{"filename":"a","purpose":"batch","bytes":"12","mime_type":"text/plain"}""", "bytes", "invalid_type")]
    [InlineData("""{"filename":"a","purpose":"batch","bytes":0,"mime_type":"text/plain"}""", "bytes", "invalid_value")]
    [InlineData("""{"filename":"a","purpose":"batch","bytes":1}""", "mime_type", "missing_required_parameter")]
    [InlineData("""{"filename":"a","purpose":"batch","bytes":1,"mime_type":"text/plain","colour":"red"}""", "colour", "unknown_parameter")]
    [InlineData("""{"filename":"a","purpose":"batch","bytes":1,"mime_type":"text/plain","expires_after":{"anchor":"now","seconds":3600}}""", "expires_after.anchor", "invalid_value")]
    [InlineData("""{"filename":"a","purpose":"batch","bytes":1,"mime_type":"text/plain","expires_after":{"anchor":"created_at","seconds":60}}""", "expires_after.seconds", "invalid_value")]
    [InlineData("""{"filename":"a","purpose":"batch","bytes":1,"mime_type":"text/plain","expires_after":{"anchor":"created_at"}}""", "expires_after.seconds", "missing_required_parameter")]
    [InlineData("""[1,2]""", null, null)]
    [InlineData("""{"filename":""", null, null)]
    public async Task Bad_create_requests_are_400_naming_the_parameter(string body, string? param, string? code)
    {
        using var response = await emulator.Http.PostAsync("v1/uploads", Json(body));
        await Api.ExpectErrorAsync(response, HttpStatusCode.BadRequest, param, code);
    }

    [Fact]
    public async Task A_bad_purpose_reads_as_the_real_api_words_it()
    {
        using var response = await emulator.Http.PostAsync("v1/uploads", Json("""{"filename":"a","purpose":"world_domination","bytes":1,"mime_type":"text/plain"}"""));
        var error = await Api.ExpectErrorAsync(response, HttpStatusCode.BadRequest, "purpose");
        Assert.Equal("'world_domination' is not one of ['fine-tune', 'assistants', 'batch', 'user_data', 'vision', 'evals'] - 'purpose'", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Expires_after_on_an_upload_sets_the_files_expiry()
    {
        var upload = await emulator.CreateUploadAsync(3, expiresAfter: new { anchor = "created_at", seconds = 7200 });
        var id = upload.GetProperty("id").GetString()!;
        var part = await emulator.AddPartAsync(id, [1, 2, 3]);
        using var response = await emulator.CompleteAsync(id, [part]);
        var file = (await Api.ExpectAsync(response, HttpStatusCode.OK)).GetProperty("file");
        Assert.Equal(upload.GetProperty("created_at").GetInt64() + 7200, file.GetProperty("expires_at").GetInt64());
    }

    internal static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");
}
