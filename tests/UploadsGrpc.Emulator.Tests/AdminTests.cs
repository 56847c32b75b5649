using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using UploadsGrpc.Emulator.Tests.Infrastructure;

namespace UploadsGrpc.Emulator.Tests;

/// <summary>
/// The admin surface other suites prove things with: how many requests their client aborted (a server that cancels
/// its upstream call), and which uploads are in a status (nothing left pending).
/// </summary>
public sealed class AdminTests(EmulatorServer emulator) : IClassFixture<EmulatorServer>, IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => (await emulator.Anonymous.DeleteAsync("_admin/faults")).Dispose();

    private async Task<(long Total, long Aborted)> RequestsAsync()
    {
        using var response = await emulator.Anonymous.GetAsync("_admin/requests");
        var body = await Api.ExpectAsync(response, HttpStatusCode.OK);
        Assert.Equal(["total", "aborted", "recent"], body.EnumerateObject().Select(p => p.Name));
        return (body.GetProperty("total").GetInt64(), body.GetProperty("aborted").GetInt64());
    }

    private async Task SetFaultsAsync(object plan)
    {
        using var response = await emulator.Anonymous.PostAsJsonAsync("_admin/faults", plan);
        await Api.ExpectAsync(response, HttpStatusCode.OK);
    }

    /// <summary>
    /// Polls until the count <paramref name="pick"/> reads reaches <paramref name="expected"/>, at most 10 s, and returns
    /// it: the emulator records a request as it arrives, and sees a closed socket a moment after the client.
    /// </summary>
    private async Task<long> ReachesAsync(Func<(long Total, long Aborted), long> pick, long expected)
    {
        var clock = Stopwatch.StartNew();
        long count;
        while ((count = pick(await RequestsAsync())) < expected && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }
        return count;
    }

    [Fact]
    public async Task A_request_its_client_aborts_during_a_fault_latency_counts_as_aborted_at_once()
    {
        await SetFaultsAsync(new { rules = new object[] { new { route = "list_files", latency_ms = 60_000 } } });
        var (total, aborted) = await RequestsAsync();
        using var client = new HttpClient { BaseAddress = emulator.Root };
        client.DefaultRequestHeaders.Authorization = emulator.Http.DefaultRequestHeaders.Authorization;
        using var giveUp = new CancellationTokenSource();
        var held = client.GetAsync("v1/files", giveUp.Token);
        // Cancelled only once the emulator holds the request: a timer alone could fire before a busy machine's
        // request arrived, and then nothing would be there to abort.
        Assert.Equal(total + 1, await ReachesAsync(r => r.Total, total + 1));
        var clock = Stopwatch.StartNew();
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => held);

        Assert.Equal(aborted + 1, await ReachesAsync(r => r.Aborted, aborted + 1));
        // Counted when the client left, not when the 60 s latency would have ended.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Equal(total + 1, (await RequestsAsync()).Total);
    }

    [Fact]
    public async Task Answered_requests_errors_and_dropped_connections_are_not_aborted()
    {
        var (total, aborted) = await RequestsAsync();
        using (var ok = await emulator.Http.GetAsync("v1/files"))
        {
            await Api.ExpectAsync(ok, HttpStatusCode.OK);
        }
        using (var missing = await emulator.Http.GetAsync("v1/files/file-missing"))
        {
            await Api.ExpectAsync(missing, HttpStatusCode.NotFound);
        }
        await SetFaultsAsync(new { rules = new object[] { new { route = "list_files", count = 1, drop = true } } });
        await Assert.ThrowsAsync<HttpRequestException>(() => emulator.Http.GetAsync("v1/files"));
        using (var after = await emulator.Http.GetAsync("v1/files"))
        {
            await Api.ExpectAsync(after, HttpStatusCode.OK);
        }

        await Task.Delay(200);
        Assert.Equal((total + 4, aborted), await RequestsAsync());
    }

    [Fact]
    public async Task Uploads_are_listed_by_status_oldest_first()
    {
        var pending = (await emulator.CreateUploadAsync(4)).GetProperty("id").GetString()!;
        var cancelled = (await emulator.CreateUploadAsync(4)).GetProperty("id").GetString()!;
        var completed = (await emulator.CreateUploadAsync(4)).GetProperty("id").GetString()!;
        (await emulator.CancelAsync(cancelled)).Dispose();
        var part = await emulator.AddPartAsync(completed, [1, 2, 3, 4]);
        (await emulator.CompleteAsync(completed, [part])).Dispose();

        var pendingList = await ListAsync("?status=pending");
        Assert.Equal("pending", pendingList.GetProperty("status").GetString());
        Assert.Contains(pending, Ids(pendingList));
        Assert.DoesNotContain(cancelled, Ids(pendingList));
        Assert.DoesNotContain(completed, Ids(pendingList));
        Assert.Equal(Ids(pendingList).Length, pendingList.GetProperty("count").GetInt32());
        Assert.Contains(cancelled, Ids(await ListAsync("?status=cancelled")));
        Assert.Contains(completed, Ids(await ListAsync("?status=completed")));

        var all = await ListAsync("");
        Assert.False(all.TryGetProperty("status", out _));
        Assert.Equal([pending, cancelled, completed], Ids(all).Where(id => id == pending || id == cancelled || id == completed));
    }

    [Fact]
    public async Task A_pending_upload_past_its_hour_is_listed_as_expired()
    {
        var upload = (await emulator.CreateUploadAsync(4)).GetProperty("id").GetString()!;
        Assert.Contains(upload, Ids(await ListAsync("?status=pending")));
        emulator.Time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(upload, Ids(await ListAsync("?status=pending")));
        Assert.Contains(upload, Ids(await ListAsync("?status=expired")));
    }

    [Fact]
    public async Task An_unknown_status_is_400_naming_it()
    {
        using var response = await emulator.Anonymous.GetAsync("_admin/uploads?status=done");
        await Api.ExpectErrorAsync(response, HttpStatusCode.BadRequest, "status");
    }

    private async Task<JsonElement> ListAsync(string query)
    {
        using var response = await emulator.Anonymous.GetAsync("_admin/uploads" + query);
        return await Api.ExpectAsync(response, HttpStatusCode.OK);
    }

    private static string[] Ids(JsonElement list) => [.. list.GetProperty("ids").EnumerateArray().Select(id => id.GetString()!)];
}
