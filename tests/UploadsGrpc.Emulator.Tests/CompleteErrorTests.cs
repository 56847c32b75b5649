using System.Net;
using UploadsGrpc.Emulator.Tests.Infrastructure;

namespace UploadsGrpc.Emulator.Tests;

/// <summary>Complete checks what the real API checks; each refusal leaves the upload pending and the emulator serving.</summary>
public sealed class CompleteErrorTests(EmulatorServer emulator) : IClassFixture<EmulatorServer>
{
    private async Task<(string Upload, string Part, byte[] Data)> PendingWithOnePartAsync(int size = 100)
    {
        var data = Api.RandomBytes(size, size);
        var id = (await emulator.CreateUploadAsync(size)).GetProperty("id").GetString()!;
        return (id, await emulator.AddPartAsync(id, data), data);
    }

    private async Task StillPendingAndServingAsync(string upload, string part, byte[] data)
    {
        Assert.Equal("pending", (await emulator.AdminUploadAsync(upload)).GetProperty("status").GetString());
        using var response = await emulator.CompleteAsync(upload, [part], Api.Md5(data));
        Assert.Equal("completed", (await Api.ExpectAsync(response, HttpStatusCode.OK)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_wrong_byte_count()
    {
        var (upload, part, data) = await PendingWithOnePartAsync();
        var extra = await emulator.AddPartAsync(upload, [1]);
        using var response = await emulator.CompleteAsync(upload, [part, extra]);
        var error = await Api.ExpectErrorAsync(response, HttpStatusCode.BadRequest, "part_ids");
        Assert.Contains("101 bytes", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        await StillPendingAndServingAsync(upload, part, data);
    }

    [Fact]
    public async Task A_wrong_md5()
    {
        var (upload, part, data) = await PendingWithOnePartAsync();
        var before = emulator.FilesOnDisk().Order().ToArray();
        using var response = await emulator.CompleteAsync(upload, [part], new string('0', 32));
        var error = await Api.ExpectErrorAsync(response, HttpStatusCode.BadRequest, "md5");
        Assert.Contains(Api.Md5(data), error.GetProperty("message").GetString(), StringComparison.Ordinal);
        // The half-made file is gone; the part is kept for a corrected complete.
        Assert.Equal(before, emulator.FilesOnDisk().Order().ToArray());
        await StillPendingAndServingAsync(upload, part, data);
    }

    [Fact]
    public async Task An_unknown_part_id()
    {
        var (upload, part, data) = await PendingWithOnePartAsync();
        using var response = await emulator.CompleteAsync(upload, ["part_00000000000000000000000000000000"]);
        var error = await Api.ExpectErrorAsync(response, HttpStatusCode.BadRequest, "part_ids");
        Assert.Equal("No such Part object: part_00000000000000000000000000000000", error.GetProperty("message").GetString());
        await StillPendingAndServingAsync(upload, part, data);
    }

    [Fact]
    public async Task A_part_of_another_upload()
    {
        var (upload, part, data) = await PendingWithOnePartAsync();
        var (other, foreign, _) = await PendingWithOnePartAsync();
        using var response = await emulator.CompleteAsync(upload, [foreign]);
        var error = await Api.ExpectErrorAsync(response, HttpStatusCode.BadRequest, "part_ids");
        Assert.Contains(other, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        await StillPendingAndServingAsync(upload, part, data);
    }

    [Fact]
    public async Task A_part_listed_twice()
    {
        var (upload, part, data) = await PendingWithOnePartAsync();
        using var response = await emulator.CompleteAsync(upload, [part, part]);
        await Api.ExpectErrorAsync(response, HttpStatusCode.BadRequest, "part_ids");
        await StillPendingAndServingAsync(upload, part, data);
    }

    [Fact]
    public async Task On_a_cancelled_upload()
    {
        var (upload, part, _) = await PendingWithOnePartAsync();
        (await emulator.CancelAsync(upload)).Dispose();
        using var response = await emulator.CompleteAsync(upload, [part]);
        await Api.ExpectErrorAsync(response, HttpStatusCode.BadRequest, null, "upload_not_pending");
        Assert.Equal("cancelled", (await emulator.AdminUploadAsync(upload)).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("""{}""", "part_ids", "missing_required_parameter")]
    [InlineData("""{"part_ids":"part_1"}""", "part_ids", "invalid_type")]
    [InlineData("""{"part_ids":[1]}""", "part_ids", "invalid_type")]
    [InlineData("""{"part_ids":[]}""", "part_ids", null)]
    [InlineData("""{"part_ids":["x"],"sha1":"y"}""", "sha1", "unknown_parameter")]
    public async Task Malformed_bodies(string body, string param, string? code)
    {
        var (upload, part, data) = await PendingWithOnePartAsync();
        using var response = await emulator.Http.PostAsync($"v1/uploads/{upload}/complete", UploadFlowTests.Json(body));
        await Api.ExpectErrorAsync(response, HttpStatusCode.BadRequest, param, code);
        await StillPendingAndServingAsync(upload, part, data);
    }
}
