using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace UploadsGrpc.Server.Protocol;

/// <summary>
/// Binds a generated service's methods as grpc-dotnet's own binder does (the generated static BindService named by
/// <see cref="BindServiceMethodAttribute"/>), but each with the request marshaller of <see cref="MessageGuard"/>.
/// grpc-dotnet parses a unary request before any interceptor, with the marshaller of the Method it was bound with,
/// so the Method is the one place where a parse failure can become a precise status for every RPC: the service's
/// own, health and reflection alike. It uses only grpc-dotnet's public model API (IServiceMethodProvider,
/// ServiceMethodProviderContext, ServiceBinderBase), the same hooks grpc-dotnet documents for custom binding;
/// wrapping the request body stream instead would mean parsing gRPC frames a second time.
/// </summary>
internal sealed class GuardedServiceMethodProvider<[DynamicallyAccessedMembers(ServiceAccessibility)] TService>
    : IServiceMethodProvider<TService>
    where TService : class
{
    internal const DynamicallyAccessedMemberTypes ServiceAccessibility =
        DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.NonPublicMethods;

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        var (bind, serviceBase) = FindBindMethod();
        if (bind is null || serviceBase is null)
        {
            throw new InvalidOperationException($"{typeof(TService).Name} has no generated BindService method: it cannot be served.");
        }
        bind.Invoke(null, [new GuardedServiceBinder<TService>(context, serviceBase), null]);
    }

    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "The generated base class keeps BindService, as grpc-dotnet's binder relies on too.")]
    private static (MethodInfo? Bind, Type? ServiceBase) FindBindMethod()
    {
        for (var type = typeof(TService); type is not null; type = type.BaseType)
        {
            if (type.GetCustomAttribute<BindServiceMethodAttribute>(inherit: false) is { } attribute)
            {
                var bind = attribute.BindType.GetMethod(attribute.BindMethodName, BindingFlags.Public | BindingFlags.Static,
                    binder: null, [typeof(ServiceBinderBase), type], modifiers: null);
                return (bind, type);
            }
        }
        return (null, null);
    }
}
