using System.Net;
using System.Net.Http.Json;
using UploadsGrpc.Emulator.Tests.Infrastructure;

namespace UploadsGrpc.Emulator.Tests;

/// <summary>pending → completed | cancelled | expired, and nothing moves out of a final state.</summary>
public sealed class StateTests(EmulatorServer emulator) : IClassFixture<EmulatorServer>
{
    private async Task<(string Upload, string Part)> CompletedAsync()
    {
        var id = (await emulator.CreateUploadAsync(4)).GetProperty("id").GetString()!;
        var part = await emulator.AddPartAsync(id, [1, 2, 3, 4]);
        (await emulator.CompleteAsync(id, [part])).Dispose();
        return (id, part);
    }

    [Fact]
    public async Task A_part_on_a_completed_upload_is_refused()
    {
        var (upload, _) = await CompletedAsync();
        using var response = await emulator.PostPartAsync(upload, [5]);
        var error = await Api.ExpectErrorAsync(response, HttpStatusCode.BadRequest, null, "upload_not_pending");
        Assert.Contains("'completed'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Single((await emulator.AdminUploadAsync(upload)).GetProperty("parts").EnumerateArray());
    }

    [Fact]
    public async Task A_part_on_a_cancelled_upload_is_refused_and_nothing_is_stored()
    {
        var upload = (await emulator.CreateUploadAsync(4)).GetProperty("id").GetString()!;
        (await emulator.CancelAsync(upload)).Dispose();
        var before = emulator.FilesOnDisk().Order().ToArray();
        using var response = await emulator.PostPartAsync(upload, [5]);
        await Api.ExpectErrorAsync(response, HttpStatusCode.BadRequest, null, "upload_not_pending");
        Assert.Equal(before, emulator.FilesOnDisk().Order().ToArray());
    }

    [Fact]
    public async Task Cancel_of_a_completed_upload_is_refused_and_it_stays_completed()
    {
        var (upload, _) = await CompletedAsync();
        using var response = await emulator.CancelAsync(upload);
        await Api.ExpectErrorAsync(response, HttpStatusCode.BadRequest, null, "upload_not_pending");
        Assert.Equal("completed", (await emulator.AdminUploadAsync(upload)).GetProperty("status").GetString());
        using var twice = await emulator.CompleteAsync(upload, ["part_x"]);
        await Api.ExpectErrorAsync(twice, HttpStatusCode.BadRequest, null, "upload_not_pending");
    }

    [Fact]
    public async Task Cancel_twice_is_refused()
    {
        var upload = (await emulator.CreateUploadAsync(4)).GetProperty("id").GetString()!;
        (await emulator.CancelAsync(upload)).Dispose();
        using var response = await emulator.CancelAsync(upload);
        await Api.ExpectErrorAsync(response, HttpStatusCode.BadRequest, null, "upload_not_pending");
    }

    [Theory]
    [InlineData("v1/uploads/upload_0000/parts")]
    [InlineData("v1/uploads/upload_0000/complete")]
    [InlineData("v1/uploads/upload_0000/cancel")]
    public async Task An_unknown_upload_is_404(string path)
    {
        using var response = path.EndsWith("parts", StringComparison.Ordinal)
            ? await emulator.PostPartAsync("upload_0000", [1])
            : await emulator.Http.PostAsync(path, path.EndsWith("complete", StringComparison.Ordinal) ? UploadFlowTests.Json("""{"part_ids":["p"]}""") : null);
        var error = await Api.ExpectErrorAsync(response, HttpStatusCode.NotFound, "id");
        Assert.Equal("No such Upload object: upload_0000", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task An_upload_expires_3600_s_after_creation_on_the_injected_clock()
    {
        var upload = (await emulator.CreateUploadAsync(4)).GetProperty("id").GetString()!;
        var part = await emulator.AddPartAsync(upload, [1, 2]);

        emulator.Time.Advance(TimeSpan.FromSeconds(3599));
        Assert.Equal("pending", (await emulator.AdminUploadAsync(upload)).GetProperty("status").GetString());
        var stillOk = await emulator.AddPartAsync(upload, [3, 4]);

        emulator.Time.Advance(TimeSpan.FromSeconds(1));
        var admin = await emulator.AdminUploadAsync(upload);
        Assert.Equal("expired", admin.GetProperty("status").GetString());
        Assert.All(admin.GetProperty("parts").EnumerateArray(), p => Assert.False(p.GetProperty("on_disk").GetBoolean()));
        Assert.DoesNotContain(part, emulator.FilesOnDisk());

        using var add = await emulator.PostPartAsync(upload, [5]);
        var error = await Api.ExpectErrorAsync(add, HttpStatusCode.BadRequest, null, "upload_not_pending");
        Assert.Contains("'expired'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        using var complete = await emulator.CompleteAsync(upload, [part, stillOk]);
        await Api.ExpectErrorAsync(complete, HttpStatusCode.BadRequest, null, "upload_not_pending");
        using var cancel = await emulator.CancelAsync(upload);
        await Api.ExpectErrorAsync(cancel, HttpStatusCode.BadRequest, null, "upload_not_pending");
    }

    [Fact]
    public async Task The_admin_clock_expires_uploads_and_sweeps_their_parts_at_once()
    {
        var upload = (await emulator.CreateUploadAsync(4)).GetProperty("id").GetString()!;
        var part = await emulator.AddPartAsync(upload, [1, 2]);
        var before = await emulator.Anonymous.GetFromJsonAsync<System.Text.Json.JsonElement>("_admin/clock");

        using var advance = await emulator.Anonymous.PostAsJsonAsync("_admin/clock/advance", new { seconds = 3600 });
        var now = (await Api.ExpectAsync(advance, HttpStatusCode.OK)).GetProperty("now").GetInt64();
        Assert.Equal(before.GetProperty("now").GetInt64() + 3600, now);
        // Swept by the advance itself, before anyone touches the upload.
        Assert.DoesNotContain(part, emulator.FilesOnDisk());

        using var add = await emulator.PostPartAsync(upload, [5]);
        await Api.ExpectErrorAsync(add, HttpStatusCode.BadRequest, null, "upload_not_pending");
        Assert.Equal("expired", (await emulator.AdminUploadAsync(upload)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_admin_clock_does_not_go_back()
    {
        using var response = await emulator.Anonymous.PostAsJsonAsync("_admin/clock/advance", new { seconds = -5 });
        await Api.ExpectErrorAsync(response, HttpStatusCode.BadRequest, "seconds");
    }
}
