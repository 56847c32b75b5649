using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Routing;

namespace UploadsGrpc.Server.Protocol;

/// <summary>
/// Receives the methods a generated BindService declares and adds each, with a guarded request marshaller, as an
/// endpoint calling the service's override (or the generated base method, which answers UNIMPLEMENTED). The
/// endpoint metadata is what grpc-dotnet's binder gives: the service's and the method's attributes, and POST.
/// </summary>
internal sealed class GuardedServiceBinder<[DynamicallyAccessedMembers(GuardedServiceMethodProvider<object>.ServiceAccessibility)] TService>(
    ServiceMethodProviderContext<TService> context, Type serviceBase)
    : ServiceBinderBase
    where TService : class
{
    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
    {
        var (invoker, metadata) = Find<UnaryServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(TRequest), typeof(ServerCallContext));
        context.AddUnaryMethod(MessageGuard.Guard(method), metadata, invoker);
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
    {
        var (invoker, metadata) = Find<ClientStreamingServerMethod<TService, TRequest, TResponse>>(
            method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext));
        context.AddClientStreamingMethod(MessageGuard.Guard(method), metadata, invoker);
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
    {
        var (invoker, metadata) = Find<ServerStreamingServerMethod<TService, TRequest, TResponse>>(
            method.Name, typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
        context.AddServerStreamingMethod(MessageGuard.Guard(method), metadata, invoker);
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
    {
        var (invoker, metadata) = Find<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(
            method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
        context.AddDuplexStreamingMethod(MessageGuard.Guard(method), metadata, invoker);
    }

    private (TDelegate Invoker, List<object> Metadata) Find<TDelegate>(string name, params Type[] parameters)
        where TDelegate : Delegate
    {
        var handler = FindOverride(name, parameters)
            ?? throw new InvalidOperationException($"Could not find '{name}' on {typeof(TService)}.");
        var invoker = (TDelegate)Delegate.CreateDelegate(typeof(TDelegate), handler);
        // The type's attributes first, so the method's take precedence; POST as grpc-dotnet's binder sets it.
        List<object> metadata = [.. typeof(TService).GetCustomAttributes(inherit: true), .. handler.GetCustomAttributes(inherit: true)];
        metadata.Add(new HttpMethodMetadata(["POST"], acceptCorsPreflight: true));
        return (invoker, metadata);
    }

    /// <summary>The public instance method that overrides the generated base's virtual one; a method of the same name hiding it is skipped.</summary>
    private MethodInfo? FindOverride(string name, Type[] parameters)
    {
        for (Type? type = typeof(TService); type is not null; type = type.BaseType)
        {
            var method = type.GetMethod(name, BindingFlags.Public | BindingFlags.Instance, binder: null, parameters, modifiers: null);
            if (method is null)
            {
                return null;
            }
            if (method.IsVirtual && method.GetBaseDefinition().DeclaringType == serviceBase)
            {
                return method;
            }
        }
        return null;
    }
}
