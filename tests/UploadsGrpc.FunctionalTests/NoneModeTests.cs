using Grpc.Core;
using UploadsGrpc.FunctionalTests.Infrastructure;
using UploadsGrpc.V1;

namespace UploadsGrpc.FunctionalTests;

/// <summary>Auth:Mode=None: nobody proves anything, and every call is the caller 'anonymous' under the default policy.</summary>
public sealed class NoneModeTests : IAsyncLifetime, IDisposable
{
    private EmulatorProcess _emulator = null!;
    private FacadeHost _facade = null!;

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorProcess.StartAsync();
        _facade = new FacadeHost(new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = _emulator.ApiBase.AbsoluteUri,
            ["OPENAI_API_KEY"] = FacadeHost.ApiKey,
            ["Auth:Mode"] = "None",
            ["Callers:Default:Groups:0"] = "uploads:write",
            ["Callers:Default:Purposes:0"] = "batch",
            ["Callers:Default:MaxUploadBytes"] = "100",
            ["Callers:Default:Project"] = "proj_open",
        }, "Production");
        _ = _facade.Address;
    }

    [Fact]
    public async Task The_default_policy_applies_to_the_anonymous_caller_before_any_upstream_request()
    {
        var before = await _emulator.RequestTotalAsync();
        var purpose = await RpcAssert.FailsAsync(StatusCode.PermissionDenied, () => _facade.Uploads.CreateUploadAsync(
            new CreateUploadRequest { Filename = "a.txt", Purpose = FilePurpose.Assistants, Bytes = 3, MimeType = "text/plain" }).ResponseAsync);
        Assert.Equal(("uploadsgrpc", "PURPOSE_NOT_ALLOWED", "anonymous"),
            (RpcAssert.ErrorInfo(purpose).Domain, RpcAssert.ErrorInfo(purpose).Reason, RpcAssert.ErrorInfo(purpose).Metadata["caller"]));
        var size = await RpcAssert.FailsAsync(StatusCode.PermissionDenied, () => _facade.Uploads.CreateUploadAsync(
            new CreateUploadRequest { Filename = "a.txt", Purpose = FilePurpose.Batch, Bytes = 101, MimeType = "text/plain" }).ResponseAsync);
        Assert.Equal(["bytes"], RpcAssert.BadFields(size));
        var group = await RpcAssert.FailsAsync(StatusCode.PermissionDenied,
            () => new FileService.FileServiceClient(_facade.Channel).ListFilesAsync(new ListFilesRequest()).ResponseAsync);
        Assert.Equal(("RPC_NOT_ALLOWED", "files:read"), (RpcAssert.ErrorInfo(group).Reason, RpcAssert.ErrorInfo(group).Metadata["group"]));
        Assert.Equal(before, await _emulator.RequestTotalAsync());

        var upload = await _facade.Uploads.CreateUploadAsync(new CreateUploadRequest { Filename = "a.txt", Purpose = FilePurpose.Batch, Bytes = 100, MimeType = "text/plain" });
        Assert.Equal(UploadStatus.Pending, upload.Upload.Status);
        var request = System.Text.Json.JsonDocument.Parse(await _emulator.Http.GetStringAsync("_admin/requests")).RootElement.GetProperty("recent").EnumerateArray().Last();
        Assert.Equal("proj_open", request.GetProperty("project").GetString());
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _facade.Dispose();
        _emulator.Dispose();
    }
}
