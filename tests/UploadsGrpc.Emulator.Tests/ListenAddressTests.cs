using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using UploadsGrpc.Emulator.Hosting;

namespace UploadsGrpc.Emulator.Tests;

/// <summary>
/// Where the standalone emulator listens: loopback 8080 by default, the ports a container image names
/// (ASPNETCORE_HTTP_PORTS) otherwise. The tests name ports on the command line, the same configuration key
/// (HTTP_PORTS) as the environment variable, so they neither read nor change the process's environment.
/// </summary>
public sealed class ListenAddressTests
{
    [Fact]
    public async Task With_no_address_or_port_configured_it_listens_on_loopback_8080()
    {
        await using var app = EmulatorApplication.Create(["--HTTP_PORTS=", "--HTTPS_PORTS="]);
        Assert.Equal("http://127.0.0.1:8080", app.Configuration["Urls"]);
    }

    [Fact]
    public async Task Urls_still_wins_over_http_ports()
    {
        await using var app = EmulatorApplication.Create(["--HTTP_PORTS=8080", "--urls=http://127.0.0.1:9"]);
        Assert.Equal("http://127.0.0.1:9", app.Configuration["Urls"]);
    }

    [Fact]
    public async Task Http_ports_as_a_container_image_sets_them_listen_on_every_interface()
    {
        var port = FreePort();
        await using var app = EmulatorApplication.Create([$"--HTTP_PORTS={port}"], builder => builder.Logging.ClearProviders());
        Assert.Null(app.Configuration["Urls"]);
        await app.StartAsync();

        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        Assert.Equal([$"http://[::]:{port}"], addresses);
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/_admin/requests"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var counts = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, counts.GetProperty("total").GetInt64());
        await app.StopAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Any, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
