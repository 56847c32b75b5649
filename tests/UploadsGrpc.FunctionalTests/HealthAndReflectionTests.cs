using Grpc.Core;
using Grpc.Health.V1;
using UploadsGrpc.FunctionalTests.Infrastructure;
using ReflectionV1 = Grpc.Reflection.V1;
using ReflectionV1Alpha = Grpc.Reflection.V1Alpha;

namespace UploadsGrpc.FunctionalTests;

/// <summary>What tools and meshes rely on: grpc.health.v1 and server reflection (v1 and v1alpha).</summary>
public sealed class HealthAndReflectionTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    [Theory]
    [InlineData("")]
    [InlineData("uploadsgrpc.v1.UploadService")]
    public async Task Health_check_answers_SERVING(string service)
    {
        var health = new Health.HealthClient(fixture.Facade.Channel);

        var response = await health.CheckAsync(new HealthCheckRequest { Service = service });

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Reflection_v1_lists_the_upload_service()
    {
        using var call = new ReflectionV1.ServerReflection.ServerReflectionClient(fixture.Facade.Channel).ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ReflectionV1.ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());

        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("uploadsgrpc.v1.UploadService", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    [Fact]
    public async Task Reflection_v1alpha_lists_the_upload_service()
    {
        using var call = new ReflectionV1Alpha.ServerReflection.ServerReflectionClient(fixture.Facade.Channel).ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ReflectionV1Alpha.ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());

        Assert.Contains("uploadsgrpc.v1.UploadService", call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name));
    }
}
